//! Stage 1, parse: the annotated item as a small typed model. Every node keeps its `syn`
//! original (spans for errors, tokens for the expansion); nothing here judges what it reads —
//! that is `valid`'s job — except syntax that cannot be read at all (attribute arguments).

use proc_macro2::{Span, TokenStream};
use syn::{Attribute, FnArg, ImplItem, Item, ItemImpl, Pat, ReturnType, Signature, Type};

use crate::attr::{parse_args, Args};
use crate::select::type_has_f64;

/// The annotated item.
pub enum Input {
    /// A free fn, or a method annotated on its own (also one of `impl Differentiable`).
    Fn(FnModel),
    /// An `impl` block (inherent, or of a trait).
    Impl(ImplModel),
    /// A trait method declaration (no body).
    TraitMethodDecl(syn::TraitItemFn),
    /// Anything else (a trait, a struct, tokens that are no item).
    Other {
        /// Where to point.
        span: Span,
        /// What it is, for the message.
        what: &'static str,
    },
}

/// One fn to make generic: the signature and body as written, with its parameters read.
pub struct FnModel {
    /// The attribute's arguments (for a method: its own, completed by the block's).
    pub args: Args,
    /// The fn as written (markers still on the parameters).
    pub sig: Signature,
    /// Its body.
    pub block: syn::Block,
    /// Attributes and visibility, kept for the output.
    pub attrs: Vec<Attribute>,
    /// Visibility, kept for the output.
    pub vis: syn::Visibility,
    /// The typed parameters, in order (receivers are never changed).
    pub params: Vec<Param>,
    /// Whether having nothing to differentiate is an error (a free fn, a method with its own
    /// attribute) or means "leave it" (the unmarked methods of an impl block).
    pub required: bool,
    /// `eval` of an `impl Differentiable` block: the trait fixes its signature.
    pub trait_eval: bool,
}

/// One typed parameter.
pub struct Param {
    /// Its name when the pattern is a plain ident.
    pub name: Option<syn::Ident>,
    /// Its type as written.
    pub ty: Type,
    /// Whether the type mentions `f64`.
    pub has_f64: bool,
    /// `#[nograd]`, if present.
    pub nograd: Option<Attribute>,
    /// `#[lift]`, if present.
    pub lift: Option<Attribute>,
}

/// What kind of `impl` block.
pub enum TraitKind {
    /// `impl T { .. }`.
    Inherent,
    /// `impl Differentiable for T`: only `eval` is rewritten.
    Differentiable,
    /// Any other trait: rejected by `valid`.
    Other(syn::Path),
}

/// An `impl` block and the decision read for each of its fns.
pub struct ImplModel {
    /// The block as written.
    pub original: ItemImpl,
    /// The block attribute's arguments.
    pub args: Args,
    /// Inherent, `Differentiable`, or another trait.
    pub kind: TraitKind,
    /// Generic parameters of the block (their names may not be taken by the scalar).
    pub outer: Vec<syn::Ident>,
    /// `(index in items, model)` for every fn the macro considers rewriting.
    pub methods: Vec<(usize, FnModel)>,
}

fn marker(attrs: &[Attribute], name: &str) -> Option<Attribute> {
    attrs.iter().find(|a| a.path().is_ident(name)).cloned()
}

fn params(sig: &Signature) -> Vec<Param> {
    sig.inputs
        .iter()
        .filter_map(|a| match a {
            FnArg::Typed(pt) => Some(Param {
                name: match &*pt.pat {
                    Pat::Ident(p) => Some(p.ident.clone()),
                    _ => None,
                },
                ty: (*pt.ty).clone(),
                has_f64: type_has_f64(&pt.ty),
                nograd: marker(&pt.attrs, "nograd"),
                lift: marker(&pt.attrs, "lift"),
            }),
            FnArg::Receiver(_) => None,
        })
        .collect()
}

fn fn_model(
    args: Args,
    attrs: Vec<Attribute>,
    vis: syn::Visibility,
    sig: Signature,
    block: syn::Block,
    required: bool,
    trait_eval: bool,
) -> FnModel {
    FnModel {
        args,
        params: params(&sig),
        sig,
        block,
        attrs,
        vis,
        required,
        trait_eval,
    }
}

/// Reads the item; errors only for attribute arguments that do not parse (all of them).
pub fn parse(args: TokenStream, item: TokenStream) -> syn::Result<Input> {
    let parsed = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Verbatim(_)) | Err(_) => {
            if let Ok(decl) = syn::parse2::<syn::TraitItemFn>(item) {
                return Ok(Input::TraitMethodDecl(decl));
            }
            return Ok(Input::Other {
                span: Span::call_site(),
                what: "these tokens",
            });
        }
        Ok(it) => it,
    };
    let args = parse_args(args)?;
    Ok(match parsed {
        Item::Fn(f) => {
            // A method annotated alone arrives as a fn; `eval` with a receiver may be the
            // trait's (the macro cannot see the block around it).
            Input::Fn(fn_model(args, f.attrs, f.vis, f.sig, *f.block, true, false))
        }
        Item::Impl(imp) => Input::Impl(impl_model(args, imp)?),
        Item::Trait(t) => Input::Other {
            span: t.ident.span(),
            what: "a trait",
        },
        other => Input::Other {
            span: syn::spanned::Spanned::span(&other),
            what: "this item",
        },
    })
}

fn impl_model(args: Args, imp: ItemImpl) -> syn::Result<ImplModel> {
    let kind = match &imp.trait_ {
        None => TraitKind::Inherent,
        Some((_, path, _))
            if path
                .segments
                .last()
                .is_some_and(|s| s.ident == "Differentiable") =>
        {
            TraitKind::Differentiable
        }
        Some((_, path, _)) => TraitKind::Other(path.clone()),
    };
    let outer = imp
        .generics
        .params
        .iter()
        .filter_map(|p| match p {
            syn::GenericParam::Type(t) => Some(t.ident.clone()),
            syn::GenericParam::Const(c) => Some(c.ident.clone()),
            _ => None,
        })
        .collect();
    let mut methods = Vec::new();
    let mut errors: Option<syn::Error> = None;
    for (index, item) in imp.items.iter().enumerate() {
        let ImplItem::Fn(m) = item else { continue };
        if marker(&m.attrs, "nograd").is_some() {
            continue;
        }
        let own = marker(&m.attrs, "differentiable");
        let trait_eval = matches!(kind, TraitKind::Differentiable) && m.sig.ident == "eval";
        // In `impl Differentiable` the trait fixes every signature but `eval`'s.
        if matches!(kind, TraitKind::Differentiable) && !trait_eval {
            continue;
        }
        // Associated fns without a receiver that return no `f64` data are constructors
        // (`fn new(w: Vec<f64>) -> Self` fills f64 fields): left as written unless marked.
        let returns_f64 = matches!(&m.sig.output, ReturnType::Type(_, t) if type_has_f64(t));
        if m.sig.receiver().is_none() && !returns_f64 && own.is_none() {
            continue;
        }
        let margs = match &own {
            Some(attr) => {
                let tokens = match &attr.meta {
                    syn::Meta::List(l) => l.tokens.clone(),
                    _ => TokenStream::new(),
                };
                match parse_args(tokens) {
                    Ok(mut a) => {
                        a.krate = a.krate.or_else(|| args.krate.clone());
                        a.scalar = a.scalar.or_else(|| args.scalar.clone());
                        a
                    }
                    Err(e) => {
                        match &mut errors {
                            Some(all) => all.combine(e),
                            None => errors = Some(e),
                        }
                        continue;
                    }
                }
            }
            None => Args {
                scalar: args.scalar.clone(),
                krate: args.krate.clone(),
                ..Args::default()
            },
        };
        let required = own.is_some() || trait_eval;
        let attrs = m.attrs.clone();
        let model = fn_model(
            margs,
            attrs,
            m.vis.clone(),
            m.sig.clone(),
            m.block.clone(),
            required,
            trait_eval,
        );
        methods.push((index, model));
    }
    if let Some(e) = errors {
        return Err(e);
    }
    Ok(ImplModel {
        original: imp,
        args,
        kind,
        outer,
        methods,
    })
}

#[cfg(test)]
impl FnModel {
    /// A free fn model of `sig` with an empty body.
    pub fn for_tests(sig: Signature) -> Self {
        fn_model(
            Args::default(),
            Vec::new(),
            syn::Visibility::Inherited,
            sig,
            syn::parse_quote!({}),
            true,
            false,
        )
    }
}
