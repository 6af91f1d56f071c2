//! `render`: the SNS Publish requests the function would send, routed as the
//! deployed function routes them (its environment variables, or the flags).

use super::*;

/// The main topic `render` uses when neither `--topic-arn` nor ALERT_TOPIC_ARN names one.
pub(super) const PREVIEW_TOPIC_ARN: &str = "arn:aws:sns:us-east-1:111122223333:cloudtrail-alerts";

/// The function's routing, from its environment variables with `flags`
/// (variable, value given on the command line) taking precedence.
pub(super) fn render_router<const N: usize>(
    flags: [(&str, Option<String>); N],
) -> Result<Router, String> {
    let mut vars: Vec<(String, String)> = ROUTING_VARIABLES
        .iter()
        .filter_map(|name| Some((name.to_string(), std::env::var(name).ok()?)))
        .collect();
    for (name, value) in flags {
        if let Some(value) = value {
            vars.retain(|(k, _)| k != name);
            vars.push((name.to_string(), value));
        }
    }
    if !vars
        .iter()
        .any(|(k, v)| k == "ALERT_TOPIC_ARN" && !v.trim().is_empty())
    {
        vars.retain(|(k, _)| k != "ALERT_TOPIC_ARN");
        vars.push(("ALERT_TOPIC_ARN".to_string(), PREVIEW_TOPIC_ARN.to_string()));
    }
    routing_from_vars(vars).map_err(|e| e.to_string())
}

/// `router` with the rule files' routes and storm guards, refused (as the
/// function refuses it) when they name a destination it lacks.
pub(super) fn with_rule_routes(router: Router, engine: &Engine) -> Result<Router, String> {
    let router = router.with_rules(engine.config());
    let unknown = router.unknown_destinations();
    if unknown.is_empty() {
        return Ok(router);
    }
    let lines: Vec<String> = unknown.iter().map(ToString::to_string).collect();
    Err(lines.join("\ncloudtrail-alerts: "))
}

/// The delivery settings of the rule that raised `alert`.
pub(super) fn policy_of(engine: &Engine, alert: &cloudtrail_alerts::alert::Alert) -> Policy {
    engine
        .config()
        .rules
        .iter()
        .find(|r| r.id == alert.rule.id)
        .map(|r| r.delivery.clone())
        .unwrap_or_default()
}

/// How `render` reads and what it adds to the requests.
pub(super) struct Run<'a> {
    pub(super) no_state: bool,
    pub(super) explaining: Option<&'a super::explain::Explaining>,
}

/// `render`: the Publish requests the function would send, digests
/// included (unless `no_state`), one JSON line each.
pub(super) fn render_requests(
    engine: &Engine,
    router: &Router,
    reading: &read::Reading<'_>,
    run: Run<'_>,
) -> u8 {
    let Run {
        no_state,
        explaining,
    } = run;
    let replay = RefCell::new((!no_state).then(Replay::new));
    let print = |out: &mut dyn Write, request: &render::PublishRequest| -> io::Result<()> {
        let line = serde_json::to_string(request).map_err(io::Error::other)?;
        writeln!(out, "{line}")
    };
    let digest_requests = |out: &mut dyn Write, d: &Digest| -> io::Result<()> {
        for request in router.digest_requests(d) {
            print(out, &request)?;
        }
        Ok(())
    };
    // A destination's storm guard holds what the function would hold; the
    // held alerts come out in the guard's digest.
    let admitted = |alert: &cloudtrail_alerts::alert::Alert, request: &render::PublishRequest| {
        let guard = router.guard(&request.destination);
        match (guard, replay.borrow_mut().as_mut()) {
            (Some(guard), Some(replay)) => replay.admit(guard, &request.destination, alert),
            _ => true,
        }
    };
    let emit = |out: &mut dyn Write, evaluation: &Evaluation, doc: &Document| {
        let mut deliveries = Vec::new();
        for alert in &evaluation.alerts {
            let policy = policy_of(engine, alert);
            // The borrow ends here: `admitted` borrows the replay again.
            let recorded = replay
                .borrow_mut()
                .as_mut()
                .map(|replay| replay.record(&policy, alert));
            if let Some((digests, recorded)) = recorded {
                deliveries.push((alert.rule.id.clone(), recorded.delivery.as_str()));
                for d in &digests {
                    digest_requests(out, d)?;
                }
                if let Some(t) = &recorded.threshold {
                    for request in router.digest_requests(t) {
                        if admitted(alert, &request) {
                            print(out, &request)?;
                        }
                    }
                    continue;
                }
                if recorded.delivery != Delivery::Sent {
                    continue;
                }
            }
            let grouping = policy.grouping.filter(|_| !no_state);
            for mut request in router.publish_requests(alert) {
                if let Some(g) = &grouping {
                    digest::thread_request(&mut request, &decide::key_for(alert, g));
                }
                if admitted(alert, &request) {
                    print(out, &request)?;
                }
            }
        }
        match explaining {
            Some(explaining) => explaining.print(out, doc, &deliveries),
            None => Ok(()),
        }
    };
    let finish = |out: &mut dyn Write| {
        if let Some(replay) = replay.borrow_mut().as_mut() {
            for d in replay.finish() {
                digest_requests(out, &d)?;
            }
        }
        Ok(())
    };
    read::evaluate(engine, reading, emit, finish)
}
