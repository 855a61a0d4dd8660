//! The generated item: the generic signature, the where-clause bundles, the body prelude,
//! lifted parameters; and the dispatch over free fns, methods and inherent impl blocks.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{
    Block, FnArg, GenericParam, Ident, ImplItem, Item, ItemFn, ItemImpl, ReturnType, Signature,
};

use crate::diagnostics;
use crate::parse::{parse_args, Args};
use crate::rewrite::{rewrite_body, Ctx};
use crate::select::{self, replace_f64, take_marker, type_has_f64, Role};

/// The core crate's path: `crate = path` if given, otherwise the caller's name for
/// `nngrad-core` from its Cargo.toml (so a renamed dependency works). Inside nngrad-core
/// itself this is `::nngrad_core` too, which the core crate provides with
/// `extern crate self as nngrad_core;` (plain `crate` would break its doctests and examples).
pub fn core_path(args: &Args) -> TokenStream {
    if let Some(p) = &args.krate {
        return p.to_token_stream();
    }
    match proc_macro_crate::crate_name("nngrad-core") {
        Ok(proc_macro_crate::FoundCrate::Name(name)) => {
            let id = Ident::new(&name, proc_macro2::Span::call_site());
            quote!(::#id)
        }
        _ => quote!(::nngrad_core),
    }
}

/// `core_path` when the args name a crate, else the already resolved `k`.
fn core_path_or(args: &Args, k: &TokenStream) -> TokenStream {
    match &args.krate {
        Some(p) => p.to_token_stream(),
        None => k.clone(),
    }
}

/// The three bundles `f64 op S`, `&f64 op S`, `&S op ..` (not implied by `S: Scalar`,
/// rust-lang/rust#20671, so every generated fn repeats them).
pub fn bundle_predicates(s: &Ident, k: &TokenStream) -> TokenStream {
    quote! {
        f64: #k::ScalarLhs<#s>,
        for<'__nngrad> &'__nngrad f64: #k::ScalarRefLhs<#s>,
        for<'__nngrad> &'__nngrad #s: #k::ScalarRef<#s>
    }
}

fn add_where(sig: &mut Signature, preds: TokenStream) {
    let wc = sig.generics.make_where_clause();
    let extra: syn::WhereClause = syn::parse_quote!(where #preds);
    wc.predicates.extend(extra.predicates);
}

/// `#[differentiable]` on any item.
pub fn differentiable(args: TokenStream, item: TokenStream) -> TokenStream {
    let parsed = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Verbatim(_)) | Err(_) => {
            if let Ok(decl) = syn::parse2::<syn::TraitItemFn>(item.clone()) {
                let e = syn::Error::new(
                    decl.sig.ident.span(),
                    "`#[differentiable]` cannot be applied to a trait method declaration: it \
                     has no body to rewrite; put it on the implementations' inherent methods, or \
                     write the trait generic over `S: Scalar` by hand",
                );
                return diagnostics::fallback(e, item);
            }
            return diagnostics::fallback(
                syn::Error::new(
                    proc_macro2::Span::call_site(),
                    "expected a fn or an inherent impl block",
                ),
                item,
            );
        }
        Ok(it) => it,
    };
    let args = match parse_args(args) {
        Ok(a) => a,
        Err(e) => return diagnostics::fallback(e, item),
    };
    let k = core_path(&args);
    let result = match parsed {
        Item::Fn(mut f) => expand_fn(&mut f, &args, &k, &[]).map(|_| f.into_token_stream()),
        Item::Impl(mut imp) => expand_impl(&mut imp, &args, &k).map(|_| imp.into_token_stream()),
        Item::Trait(t) => Err(syn::Error::new(
            t.ident.span(),
            "`#[differentiable]` cannot be applied to a trait; apply it to a fn or an inherent \
             impl block",
        )),
        other => Err(syn::Error::new(
            other.span(),
            "`#[differentiable]` applies to a fn or an inherent impl block",
        )),
    };
    match result {
        Ok(ts) => ts,
        Err(e) => diagnostics::fallback(e, item),
    }
}

/// Rewrites one fn; `outer` lists generic names of an enclosing impl block. Returns `false`
/// (and leaves the fn as written, markers stripped) for an impl-block method with nothing to
/// differentiate.
pub fn expand_fn(
    f: &mut ItemFn,
    args: &Args,
    k: &TokenStream,
    outer: &[Ident],
) -> syn::Result<bool> {
    expand_parts(&mut f.sig, &mut f.block, args, k, outer, true)
}

fn check_signature(sig: &Signature, s: &Ident, outer: &[Ident]) -> syn::Result<()> {
    if let Some(c) = &sig.constness {
        return Err(syn::Error::new(
            c.span,
            "`#[differentiable]` does not support `const fn`: the scalar's arithmetic is not const",
        ));
    }
    if let Some(a) = &sig.asyncness {
        return Err(syn::Error::new(
            a.span,
            "`#[differentiable]` does not support `async fn`; make a sync fn differentiable and \
             call it from the async code",
        ));
    }
    if let Some(v) = &sig.variadic {
        return Err(syn::Error::new(
            v.span(),
            "`#[differentiable]` does not support variadics",
        ));
    }
    let clash = sig
        .generics
        .params
        .iter()
        .find_map(|p| match p {
            GenericParam::Type(t) if t.ident == *s => Some(t.ident.clone()),
            GenericParam::Const(c) if c.ident == *s => Some(c.ident.clone()),
            _ => None,
        })
        .or_else(|| outer.iter().find(|o| *o == s).cloned());
    if let Some(id) = clash {
        return Err(syn::Error::new(
            id.span(),
            format!(
                "a generic parameter named `{s}` already exists; name the scalar differently, \
                 e.g. `#[differentiable(scalar = Real)]`"
            ),
        ));
    }
    Ok(())
}

fn expand_parts(
    sig: &mut Signature,
    block: &mut Block,
    args: &Args,
    k: &TokenStream,
    outer: &[Ident],
    required: bool,
) -> syn::Result<bool> {
    let s = args.scalar_ident();
    check_signature(sig, &s, outer)?;
    let roles = select::select(sig, args)?;
    if !select::has_generic(&roles) {
        if !required {
            return Ok(false);
        }
        return Err(diagnostics::nothing_to_differentiate(sig));
    }
    let mut lifted = Vec::new();
    let typed = sig.inputs.iter_mut().filter_map(|a| match a {
        FnArg::Typed(pt) => Some(pt),
        FnArg::Receiver(_) => None,
    });
    for (pt, role) in typed.zip(&roles) {
        match role {
            Role::Generic => *pt.ty = replace_f64(&pt.ty, &s),
            Role::Lifted(name) => lifted.push(name.clone()),
            Role::Kept => {}
        }
    }
    let ret_has_f64 = match &mut sig.output {
        ReturnType::Type(_, ty) if type_has_f64(ty) => {
            **ty = replace_f64(ty, &s);
            true
        }
        _ => false,
    };
    sig.generics.params.push(syn::parse_quote!(#s: #k::Scalar));
    add_where(sig, bundle_predicates(&s, k));

    rewrite_body(
        &Ctx {
            scalar: s.clone(),
            krate: k.clone(),
            ret_has_f64,
            f64_consts: crate::scope::f64_consts(),
        },
        block,
    );
    let lifts = lifted.iter().map(
        |n| quote_spanned!(n.span()=> let #n = (&#k::__private::W::new(#n)).__promote::<#s>();),
    );
    let prelude = quote! {
        #[allow(unused_imports)]
        use #k::__private::{AnyBin as _, MatBin as _, MatMul as _, ConvL0 as _, ConvL1 as _, ConvL2 as _, PromoteL0 as _, PromoteL1 as _, RecvL0 as _, RecvRef as _, RecvL1 as _, ToSL0 as _, ToSL1 as _, ValL0 as _, ValL1 as _};
        #[allow(unused_imports)]
        use #k::Scalar as _;
        #(#lifts)*
    };
    let mut stmts: Vec<syn::Stmt> = syn::parse::Parser::parse2(Block::parse_within, prelude)?;
    stmts.append(&mut block.stmts);
    block.stmts = stmts;
    Ok(true)
}

fn expand_impl(imp: &mut ItemImpl, args: &Args, k: &TokenStream) -> syn::Result<()> {
    let differentiable_impl = imp.trait_.as_ref().is_some_and(|(_, path, _)| {
        path.segments
            .last()
            .is_some_and(|s| s.ident == "Differentiable")
    });
    if let (Some((_, path, _)), false) = (&imp.trait_, differentiable_impl) {
        return Err(syn::Error::new(
            path.span(),
            "`#[differentiable]` cannot be applied to a trait impl: the trait fixes the methods' \
             signatures, so they cannot become generic over the scalar; make the trait itself \
             generic (`fn forward<S: Scalar>(..)` with `#[scalar_bounds(S)]`) or move the code \
             to an inherent impl",
        ));
    }
    if let Some(span) = args.wrt_span {
        return Err(syn::Error::new(
            span,
            "`wrt(..)` names parameters of one fn; on an impl block put \
             `#[differentiable(wrt(..))]` on the method instead",
        ));
    }
    let outer: Vec<Ident> = imp
        .generics
        .params
        .iter()
        .filter_map(|p| match p {
            GenericParam::Type(t) => Some(t.ident.clone()),
            GenericParam::Const(c) => Some(c.ident.clone()),
            _ => None,
        })
        .collect();
    let mut errors: Option<syn::Error> = None;
    for item in imp.items.iter_mut() {
        let ImplItem::Fn(m) = item else { continue };
        let skip = take_marker(&mut m.attrs, "nograd").is_some();
        let own = take_marker(&mut m.attrs, "differentiable");
        // `#[nograd]` methods stay as written; so do associated fns without a receiver that
        // return no `f64` data (constructors: `fn new(w: Vec<f64>) -> Self` fills f64 fields)
        // unless marked. Helpers such as `fn tansig(n: DVector<f64>) -> DVector<f64>`, called
        // as `Self::tansig(n)`, become generic like methods.
        let returns_f64 = matches!(&m.sig.output, ReturnType::Type(_, t) if type_has_f64(t));
        // In `impl Differentiable for T` the trait fixes every signature but `eval`'s.
        let fixed = differentiable_impl && m.sig.ident != "eval";
        if skip || fixed || (m.sig.receiver().is_none() && !returns_f64 && own.is_none()) {
            diagnostics::strip_param_markers(&mut m.sig);
            continue;
        }
        let (margs, required) = match &own {
            Some(attr) => {
                let tokens = match &attr.meta {
                    syn::Meta::List(l) => l.tokens.clone(),
                    _ => TokenStream::new(),
                };
                let mut a = parse_args(tokens)?;
                a.krate = a.krate.or_else(|| args.krate.clone());
                a.scalar = a.scalar.or_else(|| args.scalar.clone());
                (a, true)
            }
            None => (
                Args {
                    scalar: args.scalar.clone(),
                    krate: args.krate.clone(),
                    ..Args::default()
                },
                false,
            ),
        };
        let k = &core_path_or(&margs, k);
        if let Err(e) = expand_parts(&mut m.sig, &mut m.block, &margs, k, &outer, required) {
            match &mut errors {
                Some(all) => all.combine(e),
                None => errors = Some(e),
            }
        }
    }
    errors.map_or(Ok(()), Err)
}

/// `#[scalar_bounds(T)]`: adds `T: Scalar` (unless written) and the three bundles to a
/// hand-written generic fn that calls `#[differentiable]` code.
pub fn scalar_bounds(args: TokenStream, item: TokenStream) -> TokenStream {
    let run = || -> syn::Result<TokenStream> {
        let mut parsed: Args = Args::default();
        let mut name: Option<Ident> = None;
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("crate") {
                let v = meta.value()?;
                parsed.krate = Some(v.call(syn::Path::parse_mod_style)?);
                Ok(())
            } else if let (Some(id), None) = (meta.path.get_ident(), &name) {
                name = Some(id.clone());
                Ok(())
            } else {
                Err(meta.error("expected the scalar's name, as in `#[scalar_bounds(S)]`"))
            }
        });
        syn::parse::Parser::parse2(parser, args)?;
        let s = name.ok_or_else(|| {
            syn::Error::new(
                proc_macro2::Span::call_site(),
                "expected the scalar's name, as in `#[scalar_bounds(S)]`",
            )
        })?;
        let k = core_path(&parsed);
        let mut f: ItemFn = syn::parse2(item.clone())?;
        let declared = f.sig.generics.params.iter().find_map(|p| match p {
            GenericParam::Type(t) if t.ident == s => Some(t),
            _ => None,
        });
        let Some(declared) = declared else {
            return Err(syn::Error::new(
                s.span(),
                format!("`{s}` is not a generic type parameter of `{}`", f.sig.ident),
            ));
        };
        let has_scalar = declared.bounds.iter().any(|b| {
            matches!(b, syn::TypeParamBound::Trait(t) if t.path.segments.last().is_some_and(|l| l.ident == "Scalar"))
        });
        let mut preds = bundle_predicates(&s, &k);
        if !has_scalar {
            preds = quote!(#s: #k::Scalar, #preds);
        }
        add_where(&mut f.sig, preds);
        Ok(f.into_token_stream())
    };
    run().unwrap_or_else(|e| diagnostics::fallback(e, item))
}
