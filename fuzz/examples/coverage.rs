//! The coverage table: in how many of the first N seeds of each level each
//! construct occurs. `cargo run -p ptx-fuzz --example coverage -- [N]`.
use ptx_fuzz::gen::{generate, Level, LEVEL1_CONSTRUCTS, LEVEL2_CONSTRUCTS};

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(200);
    let count = |level, c: &str| (0..n).filter(|s| generate(*s, level).1.contains(c)).count();
    println!("| construct | level 1 (of {n} seeds) | level 2 (of {n} seeds) |\n|---|---|---|");
    for c in LEVEL1_CONSTRUCTS.iter().chain(LEVEL2_CONSTRUCTS) {
        println!(
            "| {c} | {} | {} |",
            count(Level::One, c),
            count(Level::Two, c)
        );
    }
}
