fn main() -> std::process::ExitCode {
    mblint::cli::main()
}
