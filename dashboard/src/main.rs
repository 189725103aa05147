//! The dashboard's entry point: Trunk builds this binary to wasm.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(dashboard::App);
}
