//! The `deltaform` command; see `deltaform --help`.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(deltaform::cli::run(std::env::args_os()))
}
