//! Arbitrary bytes through what `cloudtrail-alerts evaluate` does: split the
//! input into documents, scan and match each, build and render the alerts.
//! Beyond not panicking: whenever a document is JSON, the fast scan path and
//! the full-`Value` path must agree.
#![no_main]

use std::sync::OnceLock;

use cloudtrail_alerts::engine::Engine;
use cloudtrail_alerts::input;
use cloudtrail_alerts::render;
use cloudtrail_alerts::routing::{Destination, Router};
use cloudtrail_alerts::rules::LoadOptions;
use cloudtrail_alerts::severity::Severity;
use libfuzzer_sys::fuzz_target;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        Engine::load(&LoadOptions {
            files: Vec::new(),
            builtin: true,
        })
        .expect("the built-in pack loads")
    })
}

fuzz_target!(|data: &[u8]| {
    let router = Router::new(vec![Destination {
        name: "alerts".into(),
        topic_arn: "arn:aws:sns:us-east-1:111122223333:alerts".into(),
        min_severity: Severity::Info,
    }]);
    for document in input::from_slice("fuzz", data).take(1_000) {
        let Ok(document) = document else { continue };
        let fast = engine().evaluate_bytes(&document.bytes);
        if let Ok(evaluation) = &fast {
            for alert in &evaluation.alerts {
                let _ = render::summary_json(alert);
                let _ = render::text_line(alert, true);
                let _ = router.publish_requests(alert);
            }
        }
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&document.bytes) {
            let reference = engine().evaluate_value(&value);
            match (&fast, &reference) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "scan and Value paths disagree"),
                _ => assert_eq!(fast.is_ok(), reference.is_ok(), "{fast:?} / {reference:?}"),
            }
        }
    }
});
