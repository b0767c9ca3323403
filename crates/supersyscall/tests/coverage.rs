//! The typed constructors beyond the basic ones, each checked for its exact
//! result. The tests run on the backend that `SUPERSYSCALL_TEST_BACKEND`
//! selects: `kernel` or `emulated`, or `Backend::detect` when it is unset.
//!
//! Every test works in its own folder under `std::env::temp_dir()`.

use std::ffi::CString;
use std::fs::File;
use std::io::{IoSlice, IoSliceMut, Read};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use supersyscall::{Batch, DirFd, Errno, Error, PeerAddr, SockAddr};

mod common;

use common::{backend, submit};

/// A folder under the temporary directory, removed with its contents on drop.
struct TempDir {
    path: PathBuf,
}

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!(
            "supersyscall-coverage-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir(&path).unwrap();
        TempDir { path }
    }

    fn c_path(&self, name: &str) -> CString {
        CString::new(self.path.join(name).as_os_str().as_encoded_bytes()).unwrap()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[test]
fn positional_and_vector_io() {
    let dir = TempDir::new("io");
    let file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(dir.path.join("data"))
        .unwrap();
    let (first, second) = (*b"abc", *b"defg");
    let vectors = [IoSlice::new(&first), IoSlice::new(&second)];
    let (mut head, mut tail) = ([0u8; 2], [0u8; 5]);
    let mut read_vectors = [IoSliceMut::new(&mut head), IoSliceMut::new(&mut tail)];
    let mut at_offset = [0u8; 3];

    let mut batch = Batch::new();
    let written = batch.writev(&file, &vectors);
    let pwritten = batch.pwrite64(&file, b"XY", 1);
    let synced = batch.fsync(&file);
    let datasynced = batch.fdatasync(&file);
    let read_back = batch.preadv2(&file, &mut read_vectors, 0, 0);
    let pread = batch.pread64(&file, &mut at_offset, 4);
    let completion = submit(batch);

    assert_eq!(completion.count(), 6);
    assert_eq!(completion.result(written), Ok(7));
    assert_eq!(completion.result(pwritten), Ok(2));
    assert_eq!(completion.result(synced), Ok(()));
    assert_eq!(completion.result(datasynced), Ok(()));
    assert_eq!(completion.result(read_back), Ok(7));
    assert_eq!(completion.result(pread), Ok(3));
    drop(completion);
    assert_eq!(&head, b"aX");
    assert_eq!(&tail, b"Ydefg");
    assert_eq!(&at_offset, b"efg");

    let mut batch = Batch::new();
    let truncated = batch.ftruncate(&file, 2);
    let allocated = batch.fallocate(&file, 0, 0, 4096);
    let advised = batch.fadvise64(&file, 0, 0, libc::POSIX_FADV_SEQUENTIAL);
    let completion = submit(batch);
    assert_eq!(completion.result(truncated), Ok(()));
    assert_eq!(completion.result(allocated), Ok(()));
    assert_eq!(completion.result(advised), Ok(()));
    let contents = std::fs::read(dir.path.join("data")).unwrap();
    assert_eq!(contents.len(), 4096);
    assert_eq!(&contents[..2], b"aX");
}

#[test]
fn paths_in_a_directory() {
    let dir = TempDir::new("paths");
    let (sub, target, link, renamed, hard) = (
        dir.c_path("sub"),
        dir.c_path("sub/target"),
        dir.c_path("link"),
        dir.c_path("renamed"),
        dir.c_path("hard"),
    );
    std::fs::write(dir.path.join("file"), b"x").unwrap();
    let file = dir.c_path("file");
    let mut link_text = [0u8; 256];
    let mut stat: libc::stat = unsafe_zeroed_stat();

    let mut batch = Batch::new();
    let made = batch.mkdirat(DirFd::Cwd, &sub, 0o750);
    let linked = batch.symlinkat(&target, DirFd::Cwd, &link);
    let read_link = batch.readlinkat(DirFd::Cwd, &link, &mut link_text);
    let moved = batch.renameat2(DirFd::Cwd, &file, DirFd::Cwd, &renamed, 0);
    let hard_linked = batch.linkat(DirFd::Cwd, &renamed, DirFd::Cwd, &hard, 0);
    let chmod = batch.fchmodat(DirFd::Cwd, &hard, 0o600);
    let access = batch.faccessat2(DirFd::Cwd, &hard, libc::R_OK, 0);
    let stated = batch.newfstatat(DirFd::Cwd, &renamed, &mut stat, 0);
    let touched = batch.utimensat(DirFd::Cwd, Some(&renamed), None, 0);
    let unlinked = batch.unlinkat(DirFd::Cwd, &link, 0);
    let removed = batch.unlinkat(DirFd::Cwd, &sub, libc::AT_REMOVEDIR);
    let missing = batch.unlinkat(DirFd::Cwd, &sub, libc::AT_REMOVEDIR);
    let completion = submit(batch);

    assert_eq!(completion.count(), 12);
    assert_eq!(completion.result(made), Ok(()));
    assert_eq!(completion.result(linked), Ok(()));
    assert_eq!(completion.result(read_link), Ok(target.as_bytes().len()));
    assert_eq!(completion.result(moved), Ok(()));
    assert_eq!(completion.result(hard_linked), Ok(()));
    assert_eq!(completion.result(chmod), Ok(()));
    assert_eq!(completion.result(access), Ok(()));
    assert_eq!(completion.result(stated), Ok(()));
    assert_eq!(completion.result(touched), Ok(()));
    assert_eq!(completion.result(unlinked), Ok(()));
    assert_eq!(completion.result(removed), Ok(()));
    assert_eq!(completion.result(missing), Err(Errno::ENOENT));
    drop(completion);
    assert_eq!(&link_text[..target.as_bytes().len()], target.as_bytes());
    assert_eq!(stat.st_nlink, 2);
    assert_eq!(stat.st_mode & 0o777, 0o600);
    let mode = std::fs::metadata(dir.path.join("hard"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

/// Returns an all-zero `stat`, a valid value for the kernel to fill.
fn unsafe_zeroed_stat() -> libc::stat {
    // SAFETY: `stat` holds only integers, for which all zeroes is valid.
    unsafe { std::mem::zeroed() }
}

#[test]
fn descriptors_and_fcntl() {
    let mut fds = [-1; 2];
    let mut batch = Batch::new();
    let piped = batch.pipe2(&mut fds, libc::O_CLOEXEC);
    let completion = submit(batch);
    assert_eq!(completion.result(piped), Ok(()));
    drop(completion);
    // SAFETY: pipe2 succeeded, so both are new descriptors with no other owner.
    let (read_end, write_end) =
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };

    let mut batch = Batch::new();
    let flags = batch.fcntl_getfd(&read_end);
    let cleared = batch.fcntl_setfd(&read_end, 0);
    let flags_after = batch.fcntl_getfd(&read_end);
    let set_nonblock = batch.fcntl_setfl(&read_end, libc::O_NONBLOCK);
    let status = batch.fcntl_getfl(&read_end);
    let copy = batch.dup(&write_end);
    let high = batch.fcntl_dupfd_cloexec(&write_end, 100);
    let high_flags = batch.fcntl_getfd(high);
    let event = batch.eventfd2(7, libc::EFD_CLOEXEC);
    let mut completion = submit(batch);

    assert_eq!(completion.count(), 9);
    assert_eq!(completion.result(flags), Ok(libc::FD_CLOEXEC));
    assert_eq!(completion.result(cleared), Ok(()));
    assert_eq!(completion.result(flags_after), Ok(0));
    assert_eq!(completion.result(set_nonblock), Ok(()));
    assert_eq!(
        completion.result(status),
        Ok(libc::O_RDONLY | libc::O_NONBLOCK)
    );
    assert!(completion.result(copy).unwrap() >= 0);
    assert!(completion.result(high).unwrap() >= 100);
    assert_eq!(completion.result(high_flags), Ok(libc::FD_CLOEXEC));
    let event = completion.take_fd(event).unwrap();
    let mut counter = [0u8; 8];
    assert_eq!(File::from(event).read(&mut counter).unwrap(), 8);
    assert_eq!(u64::from_ne_bytes(counter), 7);
}

#[test]
fn unix_datagram_sockets() {
    let dir = TempDir::new("sockets");
    let path = dir.c_path("socket");
    let mut address: libc::sockaddr_un = unsafe_zeroed_sockaddr_un();
    address.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (slot, &byte) in address.sun_path.iter_mut().zip(path.as_bytes()) {
        *slot = byte as libc::c_char;
    }
    let mut received = [0u8; 16];
    let mut socket_type = [0u8; 4];
    let mut type_length: libc::socklen_t = 0;

    let mut batch = Batch::new();
    let server = batch.socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
    let bound = batch.bind(server, SockAddr::from(&address));
    let client = batch.socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
    let sent = batch.sendto(client, b"datagram", 0, SockAddr::from(&address));
    let got = batch.recvfrom(server, &mut received, 0);
    let option = batch.getsockopt(
        server,
        libc::SOL_SOCKET,
        libc::SO_TYPE,
        &mut socket_type,
        &mut type_length,
    );
    let shut = batch.shutdown(client, libc::SHUT_RDWR);
    let close_server = batch.close(server);
    let close_client = batch.close(client);
    let completion = submit(batch);

    assert_eq!(completion.count(), 9);
    assert_eq!(completion.result(bound), Ok(()));
    assert_eq!(completion.result(sent), Ok(8));
    assert_eq!(completion.result(got), Ok(8));
    assert_eq!(completion.result(option), Ok(()));
    assert_eq!(completion.result(shut), Ok(()));
    assert_eq!(completion.result(close_server), Ok(()));
    assert_eq!(completion.result(close_client), Ok(()));
    drop(completion);
    assert_eq!(&received[..8], b"datagram");
    assert_eq!(type_length, 4);
    assert_eq!(i32::from_ne_bytes(socket_type), libc::SOCK_DGRAM);
}

/// Returns a `sockaddr_un` for `path` and its length up to the path's
/// terminating NUL, as the kernel reports a bound address.
fn unix_address(path: &std::ffi::CStr) -> (libc::sockaddr_un, usize) {
    let mut address = unsafe_zeroed_sockaddr_un();
    address.sun_family = libc::AF_UNIX as libc::sa_family_t;
    for (slot, &byte) in address.sun_path.iter_mut().zip(path.to_bytes()) {
        *slot = byte as libc::c_char;
    }
    (address, 2 + path.to_bytes().len() + 1)
}

#[test]
fn peer_addresses_of_accept4_and_recvfrom() {
    let dir = TempDir::new("peers");
    let (listen_address, _) = unix_address(&dir.c_path("listener"));
    let (client_address, client_length) = unix_address(&dir.c_path("client"));
    let (receiver_address, _) = unix_address(&dir.c_path("receiver"));
    let (sender_address, sender_length) = unix_address(&dir.c_path("sender"));
    let mut accepted_peer = PeerAddr::new();
    let mut sender_peer = PeerAddr::new();
    let mut received = [0u8; 8];

    let mut batch = Batch::new();
    let listener = batch.socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
    batch.bind(listener, SockAddr::from(&listen_address));
    batch.listen(listener, 1);
    let client = batch.socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
    batch.bind(client, SockAddr::from(&client_address));
    batch.connect(client, SockAddr::from(&listen_address));
    let accepted = batch.accept4_with_peer(listener, &mut accepted_peer, libc::SOCK_CLOEXEC);
    let receiver = batch.socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
    batch.bind(receiver, SockAddr::from(&receiver_address));
    let sender = batch.socket(libc::AF_UNIX, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0);
    batch.bind(sender, SockAddr::from(&sender_address));
    batch.sendto(sender, b"hello", 0, SockAddr::from(&receiver_address));
    let got = batch.recvfrom_with_peer(receiver, &mut received, 0, &mut sender_peer);
    let mut completion = submit(batch);

    assert_eq!(completion.count(), 13);
    let accepted = completion.take_fd(accepted).expect("accept4 failed");
    assert!(accepted.as_raw_fd() >= 0);
    assert_eq!(completion.result(got), Ok(5));
    drop(completion);
    assert_eq!(&received[..5], b"hello");

    assert_eq!(i32::from(accepted_peer.family()), libc::AF_UNIX);
    assert_eq!(accepted_peer.len(), client_length);
    assert_eq!(
        &accepted_peer.as_bytes()[2..client_length - 1],
        dir.c_path("client").to_bytes()
    );
    assert_eq!(accepted_peer.to_socket_addr(), None);

    assert_eq!(i32::from(sender_peer.family()), libc::AF_UNIX);
    assert_eq!(sender_peer.len(), sender_length);
    assert_eq!(
        &sender_peer.as_bytes()[2..sender_length - 1],
        dir.c_path("sender").to_bytes()
    );
}

#[test]
fn peer_address_cleared_by_failed_accept() {
    let dir = TempDir::new("stale-peer");
    let (listen_address, _) = unix_address(&dir.c_path("listener"));
    let (client_address, _) = unix_address(&dir.c_path("client"));
    let mut peer = PeerAddr::new();

    let mut batch = Batch::new();
    let listener = batch.socket(libc::AF_UNIX, libc::SOCK_STREAM | libc::SOCK_NONBLOCK, 0);
    batch.bind(listener, SockAddr::from(&listen_address));
    batch.listen(listener, 1);
    let client = batch.socket(libc::AF_UNIX, libc::SOCK_STREAM, 0);
    batch.bind(client, SockAddr::from(&client_address));
    batch.connect(client, SockAddr::from(&listen_address));
    batch.accept4_with_peer(listener, &mut peer, 0);
    let mut completion = submit(batch);
    assert_eq!(completion.count(), 7);
    let listener = completion.take_fd(listener).expect("socket failed");
    drop(completion);
    assert_eq!(i32::from(peer.family()), libc::AF_UNIX);

    // No client is waiting now, so the nonblocking accept fails.
    let mut batch = Batch::new();
    let accepted = batch.accept4_with_peer(&listener, &mut peer, 0);
    let completion = submit(batch);
    assert_eq!(completion.result(accepted).err(), Some(Errno::EAGAIN));
    drop(completion);
    assert_eq!(peer.family(), 0);
    assert_eq!(peer.to_socket_addr(), None);
    assert!(peer.as_bytes().iter().all(|&byte| byte == 0));
}

/// Returns an all-zero `sockaddr_un`.
fn unsafe_zeroed_sockaddr_un() -> libc::sockaddr_un {
    // SAFETY: `sockaddr_un` holds only integers, for which all zeroes is valid.
    unsafe { std::mem::zeroed() }
}

#[test]
fn process_identity_and_time() {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let no_time = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let mut random = [0u8; 32];
    let mut name = [0u8; 16];
    let new_name = CString::new("batched").unwrap();
    // SAFETY: these calls have no preconditions.
    let (uid, euid, gid, egid, pid, tid) = unsafe {
        (
            libc::getuid(),
            libc::geteuid(),
            libc::getgid(),
            libc::getegid(),
            libc::getpid(),
            libc::gettid(),
        )
    };
    let old_name = std::fs::read_to_string(format!("/proc/self/task/{tid}/comm")).unwrap();
    let old_name = CString::new(old_name.trim_end()).unwrap();

    let mut batch = Batch::new();
    let got_uid = batch.getuid();
    let got_euid = batch.geteuid();
    let got_gid = batch.getgid();
    let got_egid = batch.getegid();
    let got_tid = batch.gettid();
    let yielded = batch.sched_yield();
    let clock = batch.clock_gettime(libc::CLOCK_MONOTONIC, &mut now);
    let slept = batch.nanosleep(&no_time, None);
    let clock_slept = batch.clock_nanosleep(libc::CLOCK_MONOTONIC, 0, &no_time, None);
    let randomized = batch.getrandom(&mut random, 0);
    let probed = batch.kill(pid, 0);
    let thread_probed = batch.tgkill(pid, tid, 0);
    let named = batch.prctl_set_name(&new_name);
    let read_name = batch.prctl_get_name(&mut name);
    let restored = batch.prctl_set_name(&old_name);
    let completion = submit(batch);

    assert_eq!(completion.count(), 15);
    assert_eq!(completion.result(got_uid), Ok(uid));
    assert_eq!(completion.result(got_euid), Ok(euid));
    assert_eq!(completion.result(got_gid), Ok(gid));
    assert_eq!(completion.result(got_egid), Ok(egid));
    assert_eq!(completion.result(got_tid), Ok(tid));
    assert_eq!(completion.result(yielded), Ok(()));
    assert_eq!(completion.result(clock), Ok(()));
    assert_eq!(completion.result(slept), Ok(()));
    assert_eq!(completion.result(clock_slept), Ok(()));
    assert_eq!(completion.result(randomized), Ok(32));
    assert_eq!(completion.result(probed), Ok(()));
    assert_eq!(completion.result(thread_probed), Ok(()));
    assert_eq!(completion.result(named), Ok(()));
    assert_eq!(completion.result(read_name), Ok(()));
    assert_eq!(completion.result(restored), Ok(()));
    drop(completion);
    assert!(now.tv_sec > 0 || now.tv_nsec > 0);
    assert_eq!(&name[..8], b"batched\0");
}

#[test]
fn copy_splice_and_sendfile() {
    let dir = TempDir::new("copy");
    std::fs::write(dir.path.join("source"), b"0123456789").unwrap();
    let source = File::open(dir.path.join("source")).unwrap();
    let target = File::create(dir.path.join("target")).unwrap();
    let (pipe_read, pipe_write) = {
        let mut fds = [-1; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 stores.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: pipe2 succeeded, so both are new descriptors with no other owner.
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
    };
    let mut offset_in = 2i64;
    let mut sendfile_offset = 0i64;

    let mut batch = Batch::new();
    let copied = batch.copy_file_range(&source, Some(&mut offset_in), &target, None, 3, 0);
    let spliced_in = batch.splice(&source, None, &pipe_write, None, 4, 0);
    let spliced_out = batch.splice(&pipe_read, None, &target, None, 4, 0);
    let sent = batch.sendfile(&target, &source, Some(&mut sendfile_offset), 1);
    let completion = submit(batch);

    assert_eq!(completion.count(), 4);
    assert_eq!(completion.result(copied), Ok(3));
    assert_eq!(completion.result(spliced_in), Ok(4));
    assert_eq!(completion.result(spliced_out), Ok(4));
    assert_eq!(completion.result(sent), Ok(1));
    drop(completion);
    assert_eq!(offset_in, 5);
    assert_eq!(sendfile_offset, 1);
    assert_eq!(std::fs::read(dir.path.join("target")).unwrap(), b"23401230");
    assert!(pipe_read.as_fd().as_raw_fd() >= 0);
}

#[test]
fn mmap_anonymous_and_fixed_rejected() {
    let mut batch = Batch::new();
    let mapped = batch.mmap(
        4096,
        libc::PROT_READ | libc::PROT_WRITE,
        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
        None,
        0,
    );
    let completion = submit(batch);
    let address = completion.result(mapped).unwrap();
    assert!(!address.is_null());
    assert_eq!(address as usize % 4096, 0);
    // SAFETY: the batch created this mapping, and nothing else refers to it.
    assert_eq!(unsafe { libc::munmap(address, 4096) }, 0);

    let mut batch = Batch::new();
    batch.getpid();
    batch.mmap(
        4096,
        libc::PROT_READ,
        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
        None,
        0,
    );
    match batch.submit_with(backend()) {
        Err(Error::InvalidArgument { entry, name, .. }) => {
            assert_eq!(entry, 1);
            assert_eq!(name, "mmap");
        }
        other => panic!("expected Error::InvalidArgument for MAP_FIXED, got {other:?}"),
    }
}

#[test]
fn debug_output_reads_like_strace() {
    let (pipe_read, _pipe_write) = {
        let mut fds = [-1; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 stores.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: pipe2 succeeded, so both are new descriptors with no other owner.
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
    };
    let fd = pipe_read.as_raw_fd();
    let mut batch = Batch::new();
    batch.set_policy(supersyscall::Policy::Continue);
    batch.getppid();
    batch.lseek(&pipe_read, 0, libc::SEEK_CUR);
    let copy = batch.dup(&pipe_read);
    batch.fcntl_getfd(copy);
    let before = format!("{batch:?}");
    let completion = submit(batch);
    let after = format!("{completion:?}");

    assert!(
        before.ends_with(&format!(
        "entries: 4 }}\n  0: getppid()\n  1: lseek({fd}, 0, 1)\n  2: dup({fd})\n  3: fcntl($2, 1)\n"
    )),
        "{before}"
    );
    let copy = completion.result(copy).unwrap();
    // SAFETY: getppid has no preconditions.
    let ppid = unsafe { libc::getppid() };
    let expected = format!(
        "  0: getppid() = {ppid}\n  1: lseek({fd}, 0, 1) = -1 ESPIPE\n  2: dup({fd}) = {copy}\n  3: fcntl($2={copy}, 1) = 0\n"
    );
    assert!(after.ends_with(&expected), "{after}");
}

#[test]
fn check_names_the_failed_entry() {
    let mut batch = Batch::new();
    batch.set_policy(supersyscall::Policy::Continue);
    batch.getpid();
    let missing = batch.openat(DirFd::Cwd, c"/nonexistent/supersyscall", libc::O_RDONLY, 0);
    batch.close(missing);
    let completion = submit(batch);

    let failure = completion.check().unwrap_err();
    assert_eq!(failure.index, 1);
    assert_eq!(failure.name, "openat");
    assert_eq!(failure.errno, Errno::ENOENT);
    assert_eq!(
        failure.to_string(),
        "entry 1 (openat) failed: ENOENT (errno 2)"
    );
    let error = std::io::Error::from(failure);
    assert_eq!(error.kind(), std::io::ErrorKind::NotFound);
}

#[test]
fn jobs_read_stat_and_write_many() {
    let dir = TempDir::new("jobs");
    // 400 files need two batches of reads (341 files each at most).
    let names: Vec<CString> = (0..400)
        .map(|i| CString::new(format!("file-{i}")).unwrap())
        .collect();
    for (i, name) in names.iter().enumerate() {
        std::fs::write(
            dir.path.join(name.to_str().unwrap()),
            format!("contents {i}"),
        )
        .unwrap();
    }
    let mut paths: Vec<&core::ffi::CStr> = names.iter().map(|name| name.as_c_str()).collect();
    paths.push(c"missing");
    let folder = File::open(&dir.path).unwrap();

    let contents = supersyscall::jobs::read_files(folder.as_fd(), &paths, 64).unwrap();
    assert_eq!(contents.len(), 401);
    for (i, content) in contents[..400].iter().enumerate() {
        assert_eq!(content.as_deref(), Ok(format!("contents {i}").as_bytes()));
    }
    assert_eq!(contents[400], Err(Errno::ENOENT));

    let stats =
        supersyscall::jobs::statx_paths(folder.as_fd(), &paths, 0, libc::STATX_SIZE).unwrap();
    assert_eq!(stats.len(), 401);
    assert_eq!(
        stats[7].as_ref().unwrap().stx_size,
        "contents 7".len() as u64
    );
    assert_eq!(stats[400].as_ref().err(), Some(&Errno::ENOENT));

    let (pipe_read, pipe_write) = {
        let mut fds = [-1; 2];
        // SAFETY: `fds` has room for the two descriptors pipe2 stores.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: pipe2 succeeded, so both are new descriptors with no other owner.
        unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
    };
    let writes = [
        (pipe_write.as_fd(), &b"one "[..]),
        (pipe_read.as_fd(), &b"bad"[..]),
        (pipe_write.as_fd(), &b"two"[..]),
    ];
    let written = supersyscall::jobs::write_buffers(&writes).unwrap();
    assert_eq!(written, vec![Ok(4), Err(Errno::EBADF), Ok(3)]);
    drop(pipe_write);
    let mut text = String::new();
    File::from(pipe_read).read_to_string(&mut text).unwrap();
    assert_eq!(text, "one two");
}
