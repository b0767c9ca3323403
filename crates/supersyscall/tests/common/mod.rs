//! Helpers that the integration tests share.

use supersyscall::{Backend, Batch, Completion};

/// Returns the backend under test.
pub fn backend() -> Backend {
    match std::env::var("SUPERSYSCALL_TEST_BACKEND").as_deref() {
        Ok("kernel") => {
            assert_eq!(
                Backend::detect(),
                Backend::Kernel,
                "SUPERSYSCALL_TEST_BACKEND=kernel, but this kernel has no supersyscall"
            );
            Backend::Kernel
        }
        Ok("emulated") => Backend::Emulated,
        Err(std::env::VarError::NotPresent) => Backend::detect(),
        other => panic!("SUPERSYSCALL_TEST_BACKEND must be kernel or emulated, not {other:?}"),
    }
}

/// Submits `batch` on the backend under test and checks that it ran there.
pub fn submit(batch: Batch<'_>) -> Completion {
    let backend = backend();
    let completion = batch.submit_with(backend).expect("submit failed");
    assert_eq!(
        completion.backend(),
        backend,
        "the batch ran on another backend"
    );
    completion
}
