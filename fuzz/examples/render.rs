//! Prints the test file of one seed: `cargo run -p ptx-fuzz --example render -- SEED [LEVEL]`.
fn main() {
    let mut args = std::env::args().skip(1);
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(0);
    let level = args
        .next()
        .and_then(|s| ptx_fuzz::Level::parse(&s))
        .unwrap_or(ptx_fuzz::Level::One);
    print!(
        "{}",
        ptx_fuzz::render::render(&ptx_fuzz::generate(seed, level).0)
    );
}
