//! The release binary embeds the web app of `dist/` (static_files::BuiltApp): build it again
//! when `make app` has rebuilt the app, or built it for the first time. Debug builds read
//! `dist/` at run time and need nothing.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("PROFILE").as_deref() == Ok("release") {
        println!("cargo:rerun-if-changed=../../dist/index.html");
    }
}
