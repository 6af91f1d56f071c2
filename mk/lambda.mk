# The Lambda function run locally (included by the main Makefile).

invoke-lambda: ## the real function under cargo lambda watch against a local SNS: make invoke-lambda EVENT=events/root-console-login.json
	scripts/invoke-lambda.sh $(EVENT)

invoke-lambda-check: ## CI: invoke-lambda on a critical sample; fails unless both topics got the alert
	EXPECT_MAIN=1 EXPECT_SMS=1 scripts/invoke-lambda.sh events/root-console-login.json
