//! Sizes and alignments as the gc compiler lays out types on 64-bit
//! platforms (go/types' `gcSizes` for amd64): what `unsafe.Sizeof`,
//! `Alignof` and `Offsetof` evaluate to, and so the lengths of arrays
//! declared with them.

use super::Checker;
use crate::types::{BasicKind, Type, TypeId};

const WORD: i64 = 8;

impl Checker {
    /// The size of `t` in bytes; `None` when it depends on a type parameter.
    pub(crate) fn size_of(&mut self, t: TypeId) -> Option<i64> {
        self.size_depth(t, 0)
    }

    fn size_depth(&mut self, t: TypeId, depth: u32) -> Option<i64> {
        if depth > 30 {
            return None;
        }
        let u = self.under(t);
        match self.m.ty(u).clone() {
            Type::Basic(k, _) => Some(basic_size(k)),
            Type::Pointer(_) | Type::Map(..) | Type::Chan(..) | Type::Signature(_) => Some(WORD),
            Type::Slice(_) => Some(3 * WORD),
            Type::Interface(_) => Some(2 * WORD),
            Type::Array(n, e) => {
                let n = n?;
                if n == 0 {
                    return Some(0);
                }
                let es = self.size_depth(e, depth + 1)?;
                let ea = self.align_depth(e, depth + 1)?;
                Some(align_up(es, ea) * (n - 1) + es)
            }
            Type::Struct(fields) => {
                let mut off = 0i64;
                let mut last_zero = false;
                for f in &fields {
                    let ft = self.m.obj(f.obj).typ;
                    let a = self.align_depth(ft, depth + 1)?;
                    let s = self.size_depth(ft, depth + 1)?;
                    off = align_up(off, a) + s;
                    last_zero = s == 0;
                }
                // A final zero-size field gets a byte, so that its address
                // does not point past the struct.
                if off > 0 && last_zero {
                    off += 1;
                }
                let a = self.align_depth(u, depth + 1)?;
                Some(align_up(off, a))
            }
            _ => None,
        }
    }

    pub(crate) fn align_of(&mut self, t: TypeId) -> Option<i64> {
        self.align_depth(t, 0)
    }

    fn align_depth(&mut self, t: TypeId, depth: u32) -> Option<i64> {
        if depth > 30 {
            return None;
        }
        let u = self.under(t);
        match self.m.ty(u).clone() {
            Type::Basic(k, _) => Some(match k {
                BasicKind::Complex128 | BasicKind::String => WORD,
                BasicKind::Complex64 => 4,
                k => basic_size(k).clamp(1, WORD),
            }),
            Type::Array(_, e) => self.align_depth(e, depth + 1),
            Type::Struct(fields) => {
                let mut a = 1;
                for f in &fields {
                    let ft = self.m.obj(f.obj).typ;
                    a = a.max(self.align_depth(ft, depth + 1)?);
                }
                Some(a)
            }
            Type::TypeParam { .. } => None,
            _ => Some(WORD),
        }
    }

    /// The offset of field `name` in the struct type `t`.
    pub(crate) fn offset_of(&mut self, t: TypeId, name: &str) -> Option<i64> {
        let u = self.under(t);
        let Type::Struct(fields) = self.m.ty(u).clone() else {
            return None;
        };
        let mut off = 0i64;
        for f in &fields {
            let ft = self.m.obj(f.obj).typ;
            off = align_up(off, self.align_of(ft)?);
            if &*self.m.obj(f.obj).name == name {
                return Some(off);
            }
            off += self.size_of(ft)?;
        }
        None
    }
}

fn basic_size(k: BasicKind) -> i64 {
    use BasicKind::*;
    match k {
        Bool | Int8 | Uint8 => 1,
        Int16 | Uint16 => 2,
        Int32 | Uint32 | Float32 => 4,
        Int | Uint | Int64 | Uint64 | Uintptr | Float64 | Complex64 | UnsafePointer => 8,
        Complex128 | String => 16,
        _ => 8,
    }
}

fn align_up(x: i64, a: i64) -> i64 {
    if a <= 1 {
        x
    } else {
        (x + a - 1) / a * a
    }
}
