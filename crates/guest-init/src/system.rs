//! Mounting of the pseudo file systems and reporting of the final status to
//! the host, which only PID 1 does.

use std::ffi::CString;
use std::fs;
use std::io::{self, Write};

/// I/O port of QEMU's `isa-debug-exit` device, as boot.sh configures it with
/// `-device isa-debug-exit,iobase=0xf4,iosize=0x04`.
const DEBUG_EXIT_PORT: u16 = 0xf4;
/// Width of the device's port range in bytes (`iosize`).
const DEBUG_EXIT_SIZE: libc::c_ulong = 4;
/// The largest status the host can receive. QEMU exits with
/// `(value << 1) | 1`, and the host receives only the low 8 bits of that.
pub const MAX_REPORTED_STATUS: u8 = 127;

/// A file system that init mounts.
struct Mount {
    source: &'static str,
    target: &'static str,
    fstype: &'static str,
    flags: libc::c_ulong,
    data: &'static str,
}

const MOUNTS: [Mount; 4] = [
    Mount {
        source: "proc",
        target: "/proc",
        fstype: "proc",
        flags: libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
        data: "",
    },
    Mount {
        source: "sysfs",
        target: "/sys",
        fstype: "sysfs",
        flags: libc::MS_NOSUID | libc::MS_NODEV | libc::MS_NOEXEC,
        data: "",
    },
    Mount {
        source: "devtmpfs",
        target: "/dev",
        fstype: "devtmpfs",
        flags: libc::MS_NOSUID,
        data: "mode=0755",
    },
    Mount {
        source: "tmpfs",
        target: "/tmp",
        fstype: "tmpfs",
        flags: libc::MS_NOSUID | libc::MS_NODEV,
        data: "mode=1777",
    },
];

/// Mounts proc, sysfs, devtmpfs and tmpfs, creating the mount points when
/// missing. Tries every mount and returns whether all succeeded, printing a
/// line for each failure.
pub fn mount_all() -> bool {
    let mut all_mounted = true;

    for mount in &MOUNTS {
        if let Err(error) = mount_one(mount) {
            println!(
                "guest: cannot mount {} on {}: {error} (is it enabled in the kernel config?)",
                mount.fstype, mount.target
            );
            all_mounted = false;
        }
    }
    all_mounted
}

fn mount_one(mount: &Mount) -> io::Result<()> {
    fs::create_dir_all(mount.target)?;

    let source = to_cstring(mount.source)?;
    let target = to_cstring(mount.target)?;
    let fstype = to_cstring(mount.fstype)?;
    let data = to_cstring(mount.data)?;

    // SAFETY: the four pointers come from CStrings that live until the end of
    // this function, so each is a valid NUL-terminated string during the
    // call, and mount(2) only reads them.
    let result = unsafe {
        libc::mount(
            source.as_ptr(),
            target.as_ptr(),
            fstype.as_ptr(),
            mount.flags,
            data.as_ptr().cast(),
        )
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn to_cstring(text: &str) -> io::Result<CString> {
    CString::new(text).map_err(|error| io::Error::new(io::ErrorKind::InvalidInput, error))
}

/// Reports `status` to the host and stops the machine. Never returns, because
/// the kernel panics when PID 1 exits.
///
/// The status goes out through QEMU's `isa-debug-exit` device, which makes
/// QEMU exit at once with `(status << 1) | 1`. Statuses above
/// [`MAX_REPORTED_STATUS`] are sent as that maximum. If the device is not
/// there, init calls reboot(2), which QEMU's `-no-reboot` turns into
/// an exit with status 0, and the host reads 0 as "no status reported".
///
/// NOTE: the fallback is a reboot rather than RB_POWER_OFF, because on a
/// kernel without ACPI power-off (as in a tinyconfig build) Linux 6.12 turns
/// a power-off into a halt, and the guest would hang until the host's timeout.
pub fn report_to_host(status: u8) -> ! {
    let reported = status.min(MAX_REPORTED_STATUS);
    drain_console();

    match write_debug_exit(reported) {
        Ok(()) => println!(
            "guest: isa-debug-exit at port {DEBUG_EXIT_PORT:#x} did not stop QEMU \
             (is -device isa-debug-exit,iobase=0xf4,iosize=0x04 set?); rebooting instead"
        ),
        Err(error) => println!(
            "guest: cannot write to isa-debug-exit at port {DEBUG_EXIT_PORT:#x}: {error} \
             (is CONFIG_X86_IOPL_IOPERM enabled?); rebooting instead"
        ),
    }
    drain_console();

    // SAFETY: sync(2) takes no arguments, and its man page says it always
    // succeeds.
    unsafe { libc::sync() };
    // SAFETY: reboot(2) with RB_AUTOBOOT takes no pointer. On success it does
    // not return.
    let result = unsafe { libc::reboot(libc::RB_AUTOBOOT) };
    println!(
        "guest: reboot failed (returned {result}: {}); waiting for the host's timeout",
        io::Error::last_os_error()
    );
    drain_console();

    loop {
        // SAFETY: pause(2) takes no arguments. It returns only after a signal
        // handler ran, and init installs none, so the loop only guards
        // against that case.
        unsafe { libc::pause() };
    }
}

/// Writes `value` to the `isa-debug-exit` port. Returns `Ok` if the write was
/// made, which means QEMU has no such device, since otherwise QEMU exits.
fn write_debug_exit(value: u8) -> io::Result<()> {
    // SAFETY: ioperm(2) takes no pointers. It only changes this process's I/O
    // permission bitmap for the four ports of the debug-exit device.
    let result = unsafe { libc::ioperm(DEBUG_EXIT_PORT.into(), DEBUG_EXIT_SIZE, 1) };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }

    // SAFETY: ioperm above granted access to ports 0xf4..0xf8, so the `out`
    // instruction does not fault. It writes no memory and uses no stack, and
    // in a guest without the device the write is ignored.
    unsafe {
        std::arch::asm!(
            "out dx, eax",
            in("dx") DEBUG_EXIT_PORT,
            in("eax") u32::from(value),
            options(nomem, nostack, preserves_flags),
        );
    }
    Ok(())
}

/// Flushes standard output and waits until the serial console has sent all
/// queued output, so that the last lines reach the host before QEMU exits.
fn drain_console() {
    // A failed flush cannot be reported anywhere but this same console.
    let _ = io::stdout().flush();

    for fd in [libc::STDOUT_FILENO, libc::STDERR_FILENO] {
        // SAFETY: tcdrain(3) takes no pointers. On a descriptor that is not a
        // terminal it fails with ENOTTY, which is harmless here.
        unsafe { libc::tcdrain(fd) };
    }
}
