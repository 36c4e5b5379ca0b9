//! The universe scope (predeclared types, constants, `nil`, builtins) and
//! package `unsafe`, as go/types builds them.

use crate::constant::Value;
use crate::model::{Builtin, Model, ObjKind, Package, PkgId};
use crate::types::{BasicKind, Interface, Named, Signature, Type};
use rustc_hash::FxHashMap;
use std::path::PathBuf;

const BASICS: &[(BasicKind, &str)] = &[
    (BasicKind::Invalid, "invalid type"),
    (BasicKind::Bool, "bool"),
    (BasicKind::Int, "int"),
    (BasicKind::Int8, "int8"),
    (BasicKind::Int16, "int16"),
    (BasicKind::Int32, "int32"),
    (BasicKind::Int64, "int64"),
    (BasicKind::Uint, "uint"),
    (BasicKind::Uint8, "uint8"),
    (BasicKind::Uint16, "uint16"),
    (BasicKind::Uint32, "uint32"),
    (BasicKind::Uint64, "uint64"),
    (BasicKind::Uintptr, "uintptr"),
    (BasicKind::Float32, "float32"),
    (BasicKind::Float64, "float64"),
    (BasicKind::Complex64, "complex64"),
    (BasicKind::Complex128, "complex128"),
    (BasicKind::String, "string"),
    (BasicKind::UnsafePointer, "unsafe.Pointer"),
    (BasicKind::UntypedBool, "untyped bool"),
    (BasicKind::UntypedInt, "untyped int"),
    (BasicKind::UntypedRune, "untyped rune"),
    (BasicKind::UntypedFloat, "untyped float"),
    (BasicKind::UntypedComplex, "untyped complex"),
    (BasicKind::UntypedString, "untyped string"),
    (BasicKind::UntypedNil, "untyped nil"),
];

const BUILTINS: &[(&str, Builtin)] = &[
    ("append", Builtin::Append),
    ("cap", Builtin::Cap),
    ("clear", Builtin::Clear),
    ("close", Builtin::Close),
    ("complex", Builtin::Complex),
    ("copy", Builtin::Copy),
    ("delete", Builtin::Delete),
    ("imag", Builtin::Imag),
    ("len", Builtin::Len),
    ("make", Builtin::Make),
    ("max", Builtin::Max),
    ("min", Builtin::Min),
    ("new", Builtin::New),
    ("panic", Builtin::Panic),
    ("print", Builtin::Print),
    ("println", Builtin::Println),
    ("real", Builtin::Real),
    ("recover", Builtin::Recover),
];

const UNSAFE_BUILTINS: &[(&str, Builtin)] = &[
    ("Add", Builtin::Add),
    ("Alignof", Builtin::Alignof),
    ("Offsetof", Builtin::Offsetof),
    ("Sizeof", Builtin::Sizeof),
    ("Slice", Builtin::Slice),
    ("SliceData", Builtin::SliceData),
    ("String", Builtin::String),
    ("StringData", Builtin::StringData),
];

impl Model {
    pub fn new() -> Model {
        let mut m = Model {
            objects: Vec::new(),
            types: Vec::new(),
            scopes: Vec::new(),
            packages: Vec::new(),
            files: Vec::new(),
            records: Vec::new(),
            file_scopes: Vec::new(),
            file_pkgs: Vec::new(),
            universe: crate::model::ScopeId(0),
            unsafe_pkg: PkgId(0),
            basic: FxHashMap::default(),
            byte: crate::types::TypeId(0),
            rune: crate::types::TypeId(0),
            any: crate::types::TypeId(0),
            error: crate::types::TypeId(0),
            comparable: crate::types::TypeId(0),
            invalid: crate::types::TypeId(0),
            empty_iface: crate::types::TypeId(0),
            intern: FxHashMap::default(),
        };
        let universe = m.new_scope(None);
        m.universe = universe;
        for &(kind, name) in BASICS {
            let t = m.new_type(Type::Basic(kind, name));
            m.basic.insert(kind as u8, t);
            if !kind.is_untyped() && kind != BasicKind::Invalid && kind != BasicKind::UnsafePointer
            {
                let o = m.simple_obj(ObjKind::TypeName, name, None, None, t);
                m.insert(universe, name, o);
            }
        }
        m.invalid = m.basic(BasicKind::Invalid);
        m.byte = m.new_type(Type::Basic(BasicKind::Uint8, "byte"));
        m.rune = m.new_type(Type::Basic(BasicKind::Int32, "rune"));
        for (name, t) in [("byte", m.byte), ("rune", m.rune)] {
            let o = m.simple_obj(ObjKind::TypeName, name, None, None, t);
            m.insert(universe, name, o);
        }
        m.add_universe_interfaces();
        m.add_universe_values();
        m.add_unsafe();
        m
    }

    fn add_universe_interfaces(&mut self) {
        let universe = self.universe;
        self.empty_iface = self.new_type(Type::Interface(Interface::default()));
        let any_obj = self.simple_obj(ObjKind::TypeName, "any", None, None, self.invalid);
        self.obj_mut(any_obj).alias = true;
        self.any = self.new_type(Type::Alias {
            obj: any_obj,
            rhs: self.empty_iface,
            targs: vec![],
        });
        self.obj_mut(any_obj).typ = self.any;
        self.insert(universe, "any", any_obj);

        // error: a named interface with `Error() string`.
        let string = self.basic(BasicKind::String);
        let res = self.simple_obj(ObjKind::Var, "", None, None, string);
        let err_obj = self.simple_obj(ObjKind::TypeName, "error", None, None, self.invalid);
        let err_named = self.new_type(Type::Named(Named {
            obj: err_obj,
            underlying: None,
            methods: vec![],
            tparams: vec![],
            targs: vec![],
            origin: None,
        }));
        let recv = self.simple_obj(ObjKind::Var, "", None, None, err_named);
        let sig = self.new_type(Type::Signature(Signature {
            recv: Some(recv),
            results: vec![res],
            ..Default::default()
        }));
        let method = self.simple_obj(ObjKind::Method, "Error", None, None, sig);
        let iface = self.new_type(Type::Interface(Interface {
            methods: vec![method],
            ..Default::default()
        }));
        if let Type::Named(n) = &mut self.types[err_named.0 as usize] {
            n.underlying = Some(iface);
            n.methods = vec![method];
        }
        self.obj_mut(err_obj).typ = err_named;
        self.error = err_named;
        self.insert(universe, "error", err_obj);

        let cmp_obj = self.simple_obj(ObjKind::TypeName, "comparable", None, None, self.invalid);
        let cmp_iface = self.new_type(Type::Interface(Interface::default()));
        self.comparable = self.new_type(Type::Named(Named {
            obj: cmp_obj,
            underlying: Some(cmp_iface),
            methods: vec![],
            tparams: vec![],
            targs: vec![],
            origin: None,
        }));
        self.obj_mut(cmp_obj).typ = self.comparable;
        self.insert(universe, "comparable", cmp_obj);
    }

    fn add_universe_values(&mut self) {
        let universe = self.universe;
        let ubool = self.basic(BasicKind::UntypedBool);
        for (name, v) in [("true", true), ("false", false)] {
            let o = self.simple_obj(ObjKind::Const, name, None, None, ubool);
            self.obj_mut(o).val = Value::Bool(v);
            self.insert(universe, name, o);
        }
        let uint = self.basic(BasicKind::UntypedInt);
        let iota = self.simple_obj(ObjKind::Const, "iota", None, None, uint);
        self.insert(universe, "iota", iota);
        let unil = self.basic(BasicKind::UntypedNil);
        let nil = self.simple_obj(ObjKind::Nil, "nil", None, None, unil);
        self.insert(universe, "nil", nil);
        for &(name, b) in BUILTINS {
            let o = self.simple_obj(ObjKind::Builtin(b), name, None, None, self.invalid);
            self.insert(universe, name, o);
        }
    }

    fn add_unsafe(&mut self) {
        let scope = self.new_scope(Some(self.universe));
        self.packages.push(Package {
            path: "unsafe".into(),
            name: "unsafe".into(),
            dir: PathBuf::new(),
            scope,
            files: vec![],
            bodies: false,
            loaded: true,
        });
        let pkg = PkgId(self.packages.len() as u32 - 1);
        self.unsafe_pkg = pkg;
        let ptr = self.basic(BasicKind::UnsafePointer);
        let o = self.simple_obj(ObjKind::TypeName, "Pointer", Some(pkg), None, ptr);
        self.insert(scope, "Pointer", o);
        for &(name, b) in UNSAFE_BUILTINS {
            let o = self.simple_obj(ObjKind::Builtin(b), name, Some(pkg), None, self.invalid);
            self.insert(scope, name, o);
        }
    }
}

impl Default for Model {
    fn default() -> Self {
        Model::new()
    }
}
