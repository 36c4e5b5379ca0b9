//! Reading a goroutine dump on every core.
//!
//! A dump of a million goroutines is gigabytes of text in which a few
//! thousand stacks repeat. This thread cuts the input into chunks at
//! goroutine headers ([`Chunker`]); worker threads take whole chunks, and
//! for each goroutine parse only its header and a stack key
//! ([`BlockReader`]). A key seen before names its group directly; a new one
//! (or a block that is not plain) is parsed in full, exactly as the
//! one-goroutine-at-a-time reader does. Each worker groups into its own
//! snapshot; the snapshots are merged in input order at the end. Memory
//! stays bounded: a few chunks in flight, one group per stack, and a capped
//! table of keys.

use std::collections::HashMap;
use std::io::BufRead;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use letgo_pprof::{
    BlockReader, Chunk, Chunker, Error, ErrorKind, FxBuildHasher, Position, ScannedBlock,
};

use crate::goroutines::{GoroutineSnapshot, GoroutineSource, GroupBy};

/// Worker threads at most; reading the input is the limit beyond this.
const MAX_WORKERS: usize = 8;

/// Stack keys remembered per worker, and their bytes: a dump with more
/// distinct stacks is still read right, its rarer stacks in full.
const MAX_KEYS: usize = 1 << 16;
const MAX_KEY_BYTES: usize = 64 << 20;

/// Reads a traceback that nothing has been read from yet, on `threads`
/// worker threads (beside this one, which reads).
pub(crate) fn read<R: BufRead>(
    input: R,
    name: Arc<str>,
    group_by: GroupBy,
    threads: usize,
) -> letgo_pprof::Result<GoroutineSnapshot> {
    let mut chunker = Chunker::new(Arc::clone(&name), input);
    let workers = threads.min(MAX_WORKERS);
    let first = chunker.next_chunk(Vec::new())?;
    let parts = match first {
        Some(first) if workers > 1 && !chunker.at_end() => {
            read_in_parallel(&mut chunker, first, &name, group_by, workers)
        }
        first => read_here(&mut chunker, first, &name, group_by),
    };
    finish(parts, name, group_by)
}

/// What the chunks read so far came to.
struct Parts {
    parts: Vec<Part>,
    /// A failure to read the input, after every chunk the workers got.
    read_error: Option<Error>,
}

/// Small inputs, or one core: every chunk on this thread.
fn read_here<R: BufRead>(
    chunker: &mut Chunker<R>,
    first: Option<Chunk>,
    name: &Arc<str>,
    group_by: GroupBy,
) -> Parts {
    let mut part = Part::new(Arc::clone(name), group_by);
    let mut next = first;
    let mut read_error = None;
    while let Some(chunk) = next.take() {
        part.read_chunk(&chunk);
        if part.error.is_some() {
            break;
        }
        match chunker.next_chunk(chunk.into_buffer()) {
            Ok(chunk) => next = chunk,
            Err(e) => read_error = Some(e),
        }
    }
    Parts {
        parts: vec![part],
        read_error,
    }
}

/// Big inputs: this thread reads chunks, `workers` threads group them.
fn read_in_parallel<R: BufRead>(
    chunker: &mut Chunker<R>,
    first: Chunk,
    name: &Arc<str>,
    group_by: GroupBy,
    workers: usize,
) -> Parts {
    // A few chunks in flight per worker keep it busy while bounding memory.
    let (work, queue) = sync_channel::<Chunk>(workers * 2);
    let queue = Mutex::new(queue);
    let (spent, spent_buffers) = channel::<Vec<u8>>();
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (queue, spent, stop) = (&queue, spent.clone(), &stop);
                let part = Part::new(Arc::clone(name), group_by);
                scope.spawn(move || work_on(part, queue, &spent, stop))
            })
            .collect();
        let read_error = feed(chunker, first, &work, &spent_buffers, &stop);
        drop(work);
        let parts = handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect();
        Parts { parts, read_error }
    })
}

/// Sends chunks to the workers, reusing the buffers they are done with,
/// until the input ends, fails, or a worker finds an error.
fn feed<R: BufRead>(
    chunker: &mut Chunker<R>,
    first: Chunk,
    work: &std::sync::mpsc::SyncSender<Chunk>,
    spent_buffers: &Receiver<Vec<u8>>,
    stop: &AtomicBool,
) -> Option<Error> {
    let mut next = Some(first);
    while let Some(chunk) = next.take() {
        if stop.load(Ordering::Relaxed) || work.send(chunk).is_err() {
            return None;
        }
        let buffer = spent_buffers.try_recv().unwrap_or_default();
        match chunker.next_chunk(buffer) {
            Ok(chunk) => next = chunk,
            Err(e) => return Some(e),
        }
    }
    None
}

/// A worker's loop: take chunks until there are no more.
fn work_on(
    mut part: Part,
    queue: &Mutex<Receiver<Chunk>>,
    spent: &Sender<Vec<u8>>,
    stop: &AtomicBool,
) -> Part {
    loop {
        let chunk = match queue.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => break,
        };
        let Ok(chunk) = chunk else { break };
        if part.error.is_none() {
            part.read_chunk(&chunk);
        }
        if part.error.is_some() {
            stop.store(true, Ordering::Relaxed);
        }
        // The reader may have finished; a lost buffer is only an allocation.
        let _ = spent.send(chunk.into_buffer());
    }
    part
}

/// One thread's share: its groups, the stack keys it has seen, and how many
/// lines each of its chunks had (to name lines in errors).
struct Part {
    name: Arc<str>,
    snapshot: GoroutineSnapshot,
    blocks: BlockReader,
    known: HashMap<Box<[u8]>, usize, FxBuildHasher>,
    known_bytes: usize,
    lines: Vec<(usize, u64)>,
    /// The first error, with the chunk it is in; its line counts from the
    /// chunk's start.
    error: Option<(usize, Error)>,
}

impl Part {
    fn new(name: Arc<str>, group_by: GroupBy) -> Self {
        Part {
            snapshot: GoroutineSnapshot::new(
                Arc::clone(&name),
                GoroutineSource::Traceback,
                group_by,
            ),
            name,
            blocks: BlockReader::new(),
            known: HashMap::default(),
            known_bytes: 0,
            lines: Vec::new(),
            error: None,
        }
    }

    fn read_chunk(&mut self, chunk: &Chunk) {
        let (mut pos, mut line) = (0, 0);
        while let Some(scanned) = self.blocks.next_block(chunk.data(), pos, line) {
            if let Err(e) = self.add_block(&scanned, chunk) {
                self.error = Some((chunk.index, e));
                return;
            }
            pos += scanned.block.text.len();
            line += scanned.newlines;
        }
        self.lines.push((chunk.index, line));
    }

    /// Counts the goroutine of a block: by its key when seen before, else
    /// parsed in full (and its key remembered).
    fn add_block(&mut self, scanned: &ScannedBlock<'_>, chunk: &Chunk) -> letgo_pprof::Result<()> {
        // A block cut off by the end of input is parsed in full, never
        // counted by a key its cut text happens to share.
        let whole = scanned.block.text.ends_with(b"\n");
        if let Some(quick) = scanned.quick.as_ref().filter(|_| whole) {
            if let Some(&group) = self.known.get(self.blocks.key()) {
                let (id, state, labels) = (quick.id, &quick.state, &quick.labels);
                self.snapshot.count_goroutine(group, id, state, labels);
                return Ok(());
            }
        }
        let seen = chunk.byte + scanned.block.offset as u64;
        let goroutines = self.blocks.parse(&self.name, chunk, scanned.block, 0)?;
        for g in &goroutines {
            let group = self.snapshot.add_goroutine_seen_at(g, seen);
            if scanned.quick.is_some() && goroutines.len() == 1 {
                self.remember(group);
            }
        }
        Ok(())
    }

    fn remember(&mut self, group: usize) {
        let key = self.blocks.key();
        if self.known.len() < MAX_KEYS && self.known_bytes + key.len() <= MAX_KEY_BYTES {
            self.known_bytes += key.len();
            self.known.insert(key.into(), group);
        }
    }
}

/// Merges the parts, or reports the first error in input order with the
/// line it is on in the whole input.
fn finish(
    parts: Parts,
    name: Arc<str>,
    group_by: GroupBy,
) -> letgo_pprof::Result<GoroutineSnapshot> {
    let Parts { parts, read_error } = parts;
    let lines: Vec<(usize, u64)> = parts.iter().flat_map(|p| p.lines.iter().copied()).collect();
    let mut snapshots = Vec::with_capacity(parts.len());
    let mut errors = Vec::new();
    for part in parts {
        snapshots.push(part.snapshot);
        errors.extend(part.error);
    }
    let last_chunk = lines.iter().map(|(index, _)| *index).max();
    if let Some((chunk, mut error)) = errors.into_iter().min_by_key(|(chunk, _)| *chunk) {
        let lines_before: u64 = lines
            .iter()
            .filter(|(index, _)| *index < chunk)
            .map(|(_, n)| n)
            .sum();
        if let Position::Line { line, .. } = &mut error.position {
            *line += lines_before;
        }
        // Cut short in its last chunk: what came before the cut is whole.
        let at_the_end = last_chunk.is_none_or(|last| chunk >= last) && read_error.is_none();
        if !(at_the_end && error.kind == ErrorKind::Truncated) {
            return Err(error);
        }
        return Ok(cut(
            GoroutineSnapshot::merge(name, group_by, snapshots),
            &error,
        ));
    }
    match read_error {
        Some(error) if error.kind == ErrorKind::Truncated => Ok(cut(
            GoroutineSnapshot::merge(name, group_by, snapshots),
            &error,
        )),
        Some(error) => Err(error),
        None => Ok(GoroutineSnapshot::merge(name, group_by, snapshots)),
    }
}

fn cut(mut snapshot: GoroutineSnapshot, error: &Error) -> GoroutineSnapshot {
    snapshot.cut_short(error);
    snapshot
}
