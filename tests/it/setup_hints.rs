//! Set-up paper cuts a new user meets before reading the docs: `make`
//! targets run too early say what to do, and the example deploy settings do
//! not send alerts to a made-up address.

use std::process::Command;

use crate::support::root;

/// `make TARGET ARGS...` with no SAM CLI reachable (an empty virtualenv and
/// a system PATH): (exit code, stderr).
fn make_without_sam(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new("make")
        .arg("-s")
        .args(args)
        .arg("VENV=/nonexistent-cloudtrail-alerts-venv")
        .current_dir(root())
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("make runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn build_and_deploy_before_setup_say_to_run_make_setup() {
    if Command::new("sh")
        .args(["-c", "PATH=/usr/bin:/bin command -v sam"])
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!("a system-wide sam is installed: nothing to check");
        return;
    }
    for target in ["build", "deploy"] {
        let (code, stderr) = make_without_sam(&[target]);
        assert_ne!(code, Some(0), "{target}: {stderr}");
        assert!(
            stderr.contains("sam not found: run 'make setup' first"),
            "{target}: {stderr}"
        );
        assert!(!stderr.contains("command not found"), "{target}: {stderr}");
    }
}

#[test]
fn invoke_lambda_names_a_missing_event_file() {
    let (code, stderr) = make_without_sam(&["invoke-lambda", "EVENT=events/no-such-event.json"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("events/no-such-event.json: no such file"),
        "{stderr}"
    );
}

#[test]
fn the_example_deploy_settings_leave_the_alert_email_to_the_user() {
    let example =
        std::fs::read_to_string(root().join("samconfig.toml.example")).expect("example readable");
    assert!(example.contains(r#"'AlertEmail=""'"#), "{example}");
    assert!(!example.contains("@example."), "{example}");
    // The template refuses the empty default, so `sam deploy --guided` insists.
    let template = std::fs::read_to_string(root().join("template.yaml")).expect("template");
    let alert_email = &template[template.find("  AlertEmail:").expect("AlertEmail")..];
    let pattern = alert_email
        .lines()
        .find(|l| l.trim_start().starts_with("AllowedPattern:"))
        .expect("AllowedPattern");
    assert!(
        pattern.contains('@') && !pattern.contains("^$|"),
        "AlertEmail must not accept an empty address: {pattern}"
    );
}
