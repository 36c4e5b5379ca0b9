//! Go types, held in one arena and named by [`TypeId`]. The variants follow
//! `go/types`: basic, pointer, slice, array, map, channel, struct, signature,
//! interface, tuple, named (with methods and type arguments), alias, type
//! parameter and union (constraint terms).

use crate::model::{ObjId, PkgId};
use letgo_go::ast::ChanDir;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BasicKind {
    Invalid,
    Bool,
    Int,
    Int8,
    Int16,
    Int32,
    Int64,
    Uint,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uintptr,
    Float32,
    Float64,
    Complex64,
    Complex128,
    String,
    UnsafePointer,
    UntypedBool,
    UntypedInt,
    UntypedRune,
    UntypedFloat,
    UntypedComplex,
    UntypedString,
    UntypedNil,
}

impl BasicKind {
    pub fn is_untyped(self) -> bool {
        matches!(
            self,
            BasicKind::UntypedBool
                | BasicKind::UntypedInt
                | BasicKind::UntypedRune
                | BasicKind::UntypedFloat
                | BasicKind::UntypedComplex
                | BasicKind::UntypedString
                | BasicKind::UntypedNil
        )
    }
    pub fn is_integer(self) -> bool {
        use BasicKind::*;
        matches!(
            self,
            Int | Int8
                | Int16
                | Int32
                | Int64
                | Uint
                | Uint8
                | Uint16
                | Uint32
                | Uint64
                | Uintptr
                | UntypedInt
                | UntypedRune
        )
    }
    pub fn is_float(self) -> bool {
        matches!(
            self,
            BasicKind::Float32 | BasicKind::Float64 | BasicKind::UntypedFloat
        )
    }
    pub fn is_complex(self) -> bool {
        matches!(
            self,
            BasicKind::Complex64 | BasicKind::Complex128 | BasicKind::UntypedComplex
        )
    }
    pub fn is_numeric(self) -> bool {
        self.is_integer() || self.is_float() || self.is_complex()
    }
    pub fn is_string(self) -> bool {
        matches!(self, BasicKind::String | BasicKind::UntypedString)
    }
    pub fn is_boolean(self) -> bool {
        matches!(self, BasicKind::Bool | BasicKind::UntypedBool)
    }
    /// The order of untyped numeric kinds: the larger wins in a mix.
    pub fn untyped_rank(self) -> u8 {
        match self {
            BasicKind::UntypedInt => 1,
            BasicKind::UntypedRune => 2,
            BasicKind::UntypedFloat => 3,
            BasicKind::UntypedComplex => 4,
            _ => 0,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Field {
    pub obj: ObjId,
    pub embedded: bool,
    pub tag: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct Signature {
    pub recv: Option<ObjId>,
    pub tparams: Vec<TypeId>,
    pub params: Vec<ObjId>,
    pub results: Vec<ObjId>,
    pub variadic: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Interface {
    /// Explicitly declared methods.
    pub methods: Vec<ObjId>,
    /// Embedded types (interfaces, unions, single terms).
    pub embeddeds: Vec<TypeId>,
    /// A constraint written without `interface{}` (`[T ~int]`).
    pub implicit: bool,
}

#[derive(Clone, Debug)]
pub struct Named {
    pub obj: ObjId,
    /// `None` while the declaration is being resolved.
    pub underlying: Option<TypeId>,
    pub methods: Vec<ObjId>,
    pub tparams: Vec<TypeId>,
    pub targs: Vec<TypeId>,
    /// The generic type this one instantiates.
    pub origin: Option<TypeId>,
}

#[derive(Clone, Debug)]
pub enum Type {
    Basic(BasicKind, &'static str),
    Pointer(TypeId),
    Slice(TypeId),
    /// Length unknown (`None`) when it could not be evaluated.
    Array(Option<i64>, TypeId),
    Map(TypeId, TypeId),
    Chan(ChanDir, TypeId),
    Struct(Vec<Field>),
    Signature(Signature),
    Interface(Interface),
    Tuple(Vec<ObjId>),
    Named(Named),
    Alias {
        obj: ObjId,
        rhs: TypeId,
        targs: Vec<TypeId>,
    },
    TypeParam {
        obj: ObjId,
        index: u32,
        constraint: TypeId,
    },
    Union(Vec<(bool, TypeId)>),
}

/// The kind of package a printed name is qualified with.
pub type PkgPath = PkgId;
