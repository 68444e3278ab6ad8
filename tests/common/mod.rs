//! Shared helpers for the integration tests.
#![allow(dead_code)]

/// The catalog of derivations the engine must do.
pub mod catalog;

/// A 784-128-10 network and a nested-loop reference step of it.
pub mod mnist;

/// Networks given by their definitions.
pub mod networks;

use std::path::PathBuf;

/// insta settings that keep every snapshot in the top-level `snapshots/` folder.
pub fn snapshot_settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("snapshots"));
    settings.set_prepend_module_to_snapshot(true);
    settings
}

/// The `deltaform` binary built for these tests.
pub fn deltaform() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("deltaform").expect("the deltaform binary is built")
}
