//! The macro's method tables against the `Scalar` trait they mirror, read from the core
//! crate's source (the trait's own methods plus the rows of the elementary-function table
//! that declares the rest), so a new or changed method fails here rather than as a silently
//! unconverted call in user code.
//!
//! The files are found by what they hold (the trait named `Scalar`, the `unary_table` macro,
//! the `const` tables by name), not by path, so moving code between files does not break it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proc_macro2::{TokenStream, TokenTree};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn parsed(crate_dir: &str) -> Vec<(PathBuf, syn::File)> {
    let mut files = Vec::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_dir)
        .join("src");
    rust_files(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let f = syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p, f)
        })
        .collect()
}

/// How a method's parameters after `self` look.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Params {
    /// Only `self`.
    Unary,
    /// At least one `impl Into<Self>` (another scalar operand).
    Scalars,
    /// A plain extra argument (`alpha: f64`, `n: i32`).
    Plain,
    /// `&self`-style comparisons and the like (`total_cmp(&self, other: &Self)`).
    Other,
}

fn params(sig: &syn::Signature) -> Params {
    let rest: Vec<&syn::Type> = sig
        .inputs
        .iter()
        .filter_map(|a| match a {
            syn::FnArg::Typed(t) => Some(&*t.ty),
            syn::FnArg::Receiver(_) => None,
        })
        .collect();
    let text = |t: &syn::Type| quote::quote!(#t).to_string().replace(' ', "");
    if rest.is_empty() {
        Params::Unary
    } else if rest.iter().any(|t| text(t) == "implInto<Self>") {
        Params::Scalars
    } else if rest
        .iter()
        .all(|t| ["f64", "i32"].contains(&text(t).as_str()))
    {
        Params::Plain
    } else {
        Params::Other
    }
}

/// The rows `name: tangent, inlining, f64;` of the `unary_table` macro.
fn table_rows(ts: TokenStream, out: &mut Vec<String>) {
    let tts: Vec<TokenTree> = ts.into_iter().collect();
    for (i, tt) in tts.iter().enumerate() {
        if let TokenTree::Group(g) = tt {
            table_rows(g.stream(), out);
        }
        if let [TokenTree::Ident(name), TokenTree::Punct(colon), TokenTree::Ident(kind), ..] =
            &tts[i..]
        {
            if colon.as_char() == ':' && (kind == "chain" || kind == "chain_safe") {
                out.push(name.to_string());
            }
        }
    }
}

/// Every `Scalar` method the macro may meet, with its parameter shape.
fn scalar_methods() -> Vec<(String, Params)> {
    let files = parsed("nngrad-core");
    let mut rows = Vec::new();
    for (_, f) in &files {
        for item in &f.items {
            if let syn::Item::Macro(m) = item {
                if m.ident.as_ref().is_some_and(|i| i == "unary_table") {
                    table_rows(m.mac.tokens.clone(), &mut rows);
                }
            }
        }
    }
    assert!(rows.len() >= 30, "unary_table rows found: {rows:?}");
    let traits: Vec<&syn::ItemTrait> = files
        .iter()
        .flat_map(|(_, f)| &f.items)
        .filter_map(|i| match i {
            syn::Item::Trait(t) if t.ident == "Scalar" => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(traits.len(), 1, "one trait Scalar in nngrad-core/src");
    let mut methods = Vec::new();
    let mut uses_table = false;
    for item in &traits[0].items {
        match item {
            syn::TraitItem::Fn(f) => {
                let name = f.sig.ident.to_string();
                if !["cst", "value", "is_constant"].contains(&name.as_str())
                    && !name.starts_with("__")
                {
                    methods.push((name, params(&f.sig)));
                }
            }
            syn::TraitItem::Macro(m) => {
                let path = quote::quote!(#m).to_string();
                assert!(
                    path.contains("unary_table"),
                    "unexpected macro in Scalar: {path}"
                );
                uses_table = true;
            }
            _ => {}
        }
    }
    assert!(uses_table, "Scalar declares the table's methods");
    methods.extend(rows.into_iter().map(|r| (r, Params::Unary)));
    methods
}

/// The string constants named `name` in nngrad-derive's source.
fn derive_table(name: &str) -> BTreeSet<String> {
    let mut found = Vec::new();
    for (p, f) in parsed("nngrad-derive") {
        for item in &f.items {
            if let syn::Item::Const(c) = item {
                if c.ident == name {
                    found.push((p.clone(), c.expr.clone()));
                }
            }
        }
    }
    assert_eq!(
        found.len(),
        1,
        "one const {name} in nngrad-derive/src: {found:?}"
    );
    let mut out = BTreeSet::new();
    fn strings(e: &syn::Expr, out: &mut BTreeSet<String>) {
        match e {
            syn::Expr::Reference(r) => strings(&r.expr, out),
            syn::Expr::Array(a) => a.elems.iter().for_each(|e| strings(e, out)),
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => {
                assert!(out.insert(s.value()), "{} listed twice", s.value());
            }
            other => panic!("unexpected table entry {}", quote::quote!(#other)),
        }
    }
    strings(&found[0].1, &mut out);
    out
}

fn names(methods: &[(String, Params)], keep: impl Fn(Params) -> bool) -> BTreeSet<String> {
    methods
        .iter()
        .filter(|(_, p)| keep(*p))
        .map(|(n, _)| n.clone())
        .collect()
}

/// `SCALAR_FNS` decides which `f64::name` paths become `S::name`: exactly the trait's methods.
#[test]
fn scalar_fns_are_the_scalar_methods() {
    let methods = scalar_methods();
    assert_eq!(derive_table("SCALAR_FNS"), names(&methods, |_| true));
}

/// `BINARY_METHODS` (receiver promoted so f64's inherent method is not chosen) are exactly the
/// methods taking another scalar operand.
#[test]
fn binary_methods_take_another_scalar() {
    let methods = scalar_methods();
    assert_eq!(
        derive_table("BINARY_METHODS"),
        names(&methods, |p| p == Params::Scalars)
    );
}

/// `F64_ARG_METHODS` (literal arguments stay f64) are exactly the methods with a plain extra
/// argument.
#[test]
fn f64_arg_methods_take_a_plain_argument() {
    let methods = scalar_methods();
    assert_eq!(
        derive_table("F64_ARG_METHODS"),
        names(&methods, |p| p == Params::Plain)
    );
}
