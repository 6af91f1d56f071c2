//! The Lambda handler: one EventBridge event in, one SNS Publish per alert and destination.
