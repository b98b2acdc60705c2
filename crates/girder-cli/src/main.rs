//! The `girder` command. The only crate that prints.

fn main() {
    println!("girder {}", env!("CARGO_PKG_VERSION"));
}
