//! The macro that defines the typed constructors from one declaration per
//! system call.
//!
//! Each declaration gives the constructor's signature, the result type, the
//! system call's name in `libc::SYS_*`, its man page, the Linux version that
//! added it, and the lowering of the arguments into `args[0..6]`, one word
//! per register in order:
//!
//! ```text
//! /// Adds `write(fd, buf, buf.len())`: the number of bytes written.
//! safe fn write(fd: impl Into<FdArg<'a>>, buf: &'a [u8]) -> usize
//!     = SYS_write, "write", "1.0", [fd(fd), ptr(buf), len(buf)];
//! ```
//!
//! The generated function denies unused variables, so a parameter that no
//! word lowers fails to compile, and a seventh word finds no index and fails
//! to compile as well.
//!
//! The words:
//!
//! - `fd(x)`: a descriptor or a descriptor handle ([`FdArg`](crate::FdArg));
//! - `dirfd(x)`: a `dirfd` ([`DirFd`](crate::DirFd));
//! - `arg(x)`: a value or a handle to an earlier result ([`Arg`](crate::Arg));
//! - `val(x)`: an integer, sign-extended as the kernel expects;
//! - `ptr(x)`, `mut_ptr(x)`: the address of a slice or C string;
//! - `len(x)`: the length of a slice;
//! - `refp(x)`, `mutp(x)`: the address of a borrowed value;
//! - `opt_refp(x)`, `opt_mutp(x)`, `opt_cstr(x)`: the address of an optional
//!   borrowed value or C string, or 0;
//! - `sockaddr(x)`: the address of a socket address (one word), with
//!   `sockaddr_len(x)` its length;
//! - `size(T)`: `size_of::<T>()`;
//! - `zero()`: 0.

/// Lowers one word into `args[$k]` of the entry builder `$b`.
macro_rules! lower_word {
    ($b:ident, $k:tt, fd($x:ident)) => {
        $b.fd($k, $x.into())
    };
    ($b:ident, $k:tt, dirfd($x:ident)) => {
        $b.dirfd($k, $x.into())
    };
    ($b:ident, $k:tt, arg($x:ident)) => {
        $b.arg($k, $x.into())
    };
    ($b:ident, $k:tt, val($x:expr)) => {
        $b.value($k, $x as u64)
    };
    ($b:ident, $k:tt, ptr($x:ident)) => {
        $b.value($k, $x.as_ptr() as u64)
    };
    ($b:ident, $k:tt, mut_ptr($x:ident)) => {
        $b.value($k, $x.as_mut_ptr() as u64)
    };
    ($b:ident, $k:tt, len($x:ident)) => {
        $b.value($k, $x.len() as u64)
    };
    ($b:ident, $k:tt, refp($x:ident)) => {
        $b.value($k, core::ptr::from_ref($x) as u64)
    };
    ($b:ident, $k:tt, mutp($x:ident)) => {
        $b.value($k, core::ptr::from_mut($x) as u64)
    };
    ($b:ident, $k:tt, opt_refp($x:ident)) => {
        $b.value($k, $x.map_or(0, |value| core::ptr::from_ref(value) as u64))
    };
    ($b:ident, $k:tt, opt_mutp($x:ident)) => {
        $b.value($k, $x.map_or(0, |value| core::ptr::from_mut(value) as u64))
    };
    ($b:ident, $k:tt, opt_cstr($x:ident)) => {
        $b.value($k, $x.map_or(0, |value| value.as_ptr() as u64))
    };
    ($b:ident, $k:tt, sockaddr($x:ident)) => {
        $b.value($k, $x.address())
    };
    ($b:ident, $k:tt, sockaddr_len($x:ident)) => {
        $b.value($k, $x.length())
    };
    ($b:ident, $k:tt, size($t:ty)) => {
        $b.value($k, core::mem::size_of::<$t>() as u64)
    };
    ($b:ident, $k:tt, zero()) => {
        $b.value($k, 0)
    };
}

/// Lowers the words in order, taking each one's index from the list.
macro_rules! lower_words {
    ($b:ident, [$($k:tt)*], ) => {
        $b
    };
    ($b:ident, [$k:tt $($rest:tt)*], $word:ident($($x:tt)*) $(, $($more:tt)*)?) => {{
        let $b = lower_word!($b, $k, $word($($x)*));
        lower_words!($b, [$($rest)*], $($($more)*)?)
    }};
}

/// Defines typed constructors on [`Batch`](crate::Batch), one per
/// declaration; see the module documentation for the format. A declaration
/// starts with `safe fn` or `unsafe fn`.
macro_rules! define_syscalls {
    (names = $table:ident; $(
        $(#[$meta:meta])*
        $safety:ident fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $out:ty
            = $nr:ident, $man:literal, $since:literal,
            [$($words:tt)*] $(, $effect:ident)?;
    )*) => {
        /// Each constructor's system call number, name and argument count,
        /// for the strace-like `Debug` output.
        pub(crate) const $table: &[(libc::c_long, &str, usize)] = &[
            $((
                libc::$nr,
                $crate::define::strip_prefix(stringify!($nr)),
                define_syscalls!(@count [$($words)*]),
            ),)*
        ];

        impl<'a> Batch<'a> {
            $(
                define_syscalls!(@fn $safety [$(#[$meta])*] $name($($arg: $ty),*) -> $out,
                    $nr, $man, $since, [$($words)*] $(, $effect)?);
            )*
        }
    };
    (@fn safe [$($attr:tt)*] $name:ident($($arg:ident: $ty:ty),*) -> $out:ty,
        $nr:ident, $man:literal, $since:literal, [$($words:tt)*] $(, $effect:ident)?) => {
        $($attr)*
        ///
        #[doc = concat!(
            "See [", $man, "(2)](https://man7.org/linux/man-pages/man2/", $man,
            ".2.html). Linux ", $since, " and later."
        )]
        #[deny(unused_variables)]
        pub fn $name(&mut self, $($arg: $ty),*) -> Handle<$out> {
            define_syscalls!(@body self, $nr, [$($words)*] $(, $effect)?)
        }
    };
    (@fn unsafe [$($attr:tt)*] $name:ident($($arg:ident: $ty:ty),*) -> $out:ty,
        $nr:ident, $man:literal, $since:literal, [$($words:tt)*] $(, $effect:ident)?) => {
        $($attr)*
        ///
        #[doc = concat!(
            "See [", $man, "(2)](https://man7.org/linux/man-pages/man2/", $man,
            ".2.html). Linux ", $since, " and later."
        )]
        #[deny(unused_variables)]
        pub unsafe fn $name(&mut self, $($arg: $ty),*) -> Handle<$out> {
            define_syscalls!(@body self, $nr, [$($words)*] $(, $effect)?)
        }
    };
    (@count [$($word:ident($($x:tt)*)),* $(,)?]) => {
        0 $(+ { let _ = stringify!($word); 1 })*
    };
    (@body $self:ident, $nr:ident, [$($word:ident($($x:tt)*)),* $(,)?] $(, $effect:ident)?) => {{
        let builder = $self.entry(libc::$nr);
        let builder = lower_words!(builder, [0 1 2 3 4 5], $($word($($x)*)),*);
        $(let builder = builder.$effect();)?
        builder.push()
    }};
}

/// Returns `name` without the `SYS_` that starts a `libc` constant's name.
pub(crate) const fn strip_prefix(name: &str) -> &str {
    match name.as_bytes() {
        [b'S', b'Y', b'S', b'_', rest @ ..] => match core::str::from_utf8(rest) {
            Ok(rest) => rest,
            Err(_) => name,
        },
        _ => name,
    }
}
