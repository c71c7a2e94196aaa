//! Noticing commits by reading the WAL-index header.
//!
//! In WAL mode every connection to a database file, in every process, shares the WAL index: the
//! memory-mapped `<db>-shm` file. Its first 48 bytes are a header that a committing connection
//! rewrites before its commit returns. The rewrite increments the header's change counter
//! (`iChange`) and records the new last frame and the checksums. The layout is the contract
//! between SQLite connections of different versions sharing a file, documented at
//! <https://www.sqlite.org/walformat.html> ("The WAL-Index Header"), so it is as stable as the
//! file format.
//!
//! Reading the header costs a few loads from memory. `PRAGMA data_version` costs a read
//! transaction: shared-memory locks, `fcntl` calls and a statement. Both notice every commit by
//! any connection, but the header does it for a twentieth of the price.
//!
//! The mapping read is SQLite's own, obtained from the connection's file through the VFS
//! (`xShmMap`). This process therefore never opens a second descriptor of the `-shm` file:
//! closing such a descriptor would drop every POSIX lock the process holds on that file,
//! SQLite's included.

use std::sync::atomic::{Ordering, fence};

use rusqlite::{Connection, ffi};

/// `WALINDEX_MAX_VERSION`: the `iVersion` of every WAL index since SQLite 3.7.0.
const WAL_INDEX_VERSION: u32 = 3_007_000;
/// Size of one WAL-index region, as SQLite maps them.
const REGION_SIZE: i32 = 32 * 1024;
/// The header: `iVersion`, unused, `iChange`, `isInit`, `bigEndCksum`, `szPage`, `mxFrame`,
/// `nPage`, `aFrameCksum[2]`, `aSalt[2]`, `aCksum[2]`.
pub(crate) const HEADER_LEN: usize = 48;
/// Offset of `isInit` in the header.
const IS_INIT: usize = 12;

/// The first copy of the WAL-index header, in SQLite's mapping of the `-shm` file.
pub(crate) struct WalIndexHeader {
    first: *const [u8; HEADER_LEN],
}

// SAFETY: the pointer is only read, with volatile reads, and the memory it points at is shared
// between threads (and processes) by design: SQLite's own connections read it from any thread.
unsafe impl Send for WalIndexHeader {}
// SAFETY: as for `Send`; `read` takes `&self` and writes nothing.
unsafe impl Sync for WalIndexHeader {}

impl WalIndexHeader {
    /// The header of `conn`'s database, or `None` when it cannot be read this way: not in WAL
    /// mode, a VFS without shared memory, a WAL index not initialized yet.
    ///
    /// `conn` must have read the database already (so that it has the WAL index open), and the
    /// returned value must not outlive it: the caller keeps both in one owner, and the
    /// connection open for as long as the header is read.
    pub(crate) fn of(conn: &Connection) -> Option<Self> {
        let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
        // SAFETY: `conn.handle()` is a valid open connection for the duration of the call;
        // SQLITE_FCNTL_FILE_POINTER writes one `sqlite3_file*` through the pointer given.
        let rc = unsafe {
            ffi::sqlite3_file_control(
                conn.handle(),
                c"main".as_ptr(),
                ffi::SQLITE_FCNTL_FILE_POINTER,
                (&raw mut file).cast(),
            )
        };
        if rc != ffi::SQLITE_OK || file.is_null() {
            return None;
        }
        // SAFETY: `file` is the open main-database file of `conn`; its `pMethods` is either null
        // (a closed file) or the VFS's method table, which is static.
        let methods = unsafe { (*file).pMethods };
        if methods.is_null() {
            return None;
        }
        // SAFETY: as above; the table has an `xShmMap` slot from version 2 on, and the slot is
        // read only then.
        let map = unsafe {
            if (*methods).iVersion < 2 {
                return None;
            }
            (*methods).xShmMap?
        };
        let mut region: *mut std::ffi::c_void = std::ptr::null_mut();
        // SAFETY: maps (without extending the file: last argument 0) region 0 of the connection's
        // WAL index, which the connection has open since its first read. The unix VFS keeps
        // every region it mapped until the last connection of this process on the file closes,
        // so the pointer stays valid while `conn` is open.
        let rc = unsafe { map(file, 0, REGION_SIZE, 0, &raw mut region) };
        if rc != ffi::SQLITE_OK || region.is_null() {
            return None;
        }
        let header = Self {
            first: region.cast_const().cast(),
        };
        let bytes = header.read();
        let version = u32::from_ne_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        (version == WAL_INDEX_VERSION && bytes[IS_INIT] == 1).then_some(header)
    }

    /// The header as it is now. A read that overlaps a commit's rewrite may mix the old and the
    /// new header; that mixture differs from both, so it only ever makes a change noticed early.
    pub(crate) fn read(&self) -> [u8; HEADER_LEN] {
        // SAFETY: `first` points at the start of a mapped region of at least `REGION_SIZE`
        // bytes that stays mapped while the owner's connection is open (see `of`). Other
        // connections write it concurrently, hence the volatile read.
        let bytes = unsafe { std::ptr::read_volatile(self.first) };
        // Whatever this process reads after noticing a change happens after the read above.
        fence(Ordering::Acquire);
        bytes
    }
}
