//! Stage 3, expand: generation only, from a validated model (`ast` → `valid` → here): the
//! generic signature, the where-clause bundles, the body prelude, lifted parameters, the
//! rewritten body (`rewrite`); and `#[scalar_bounds]`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned, ToTokens};
use syn::{Block, FnArg, GenericParam, Ident, ImplItem, ItemFn, ReturnType, Signature};

use crate::ast::{self, FnModel, ImplModel, Input};
use crate::attr::Args;
use crate::rewrite::{rewrite_body, Ctx};
use crate::select::{self, replace_f64, take_marker, type_has_f64, Role};
use crate::{diagnostics, valid};

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

/// `#[differentiable]` on any item: parse (`ast`), validate (`valid`), then generate.
pub fn differentiable(args: TokenStream, item: TokenStream) -> TokenStream {
    let input = match ast::parse(args, item.clone()) {
        Ok(i) => i,
        Err(e) => return diagnostics::fallback(e, item),
    };
    if let Err(e) = valid::validate(&input) {
        return diagnostics::fallback(e, item);
    }
    match input {
        Input::Fn(f) => {
            let k = core_path(&f.args);
            let (attrs, vis) = (f.attrs.clone(), f.vis.clone());
            let (sig, block) = expand_fn(f, &k);
            ItemFn {
                attrs,
                vis,
                sig,
                block: Box::new(block),
            }
            .into_token_stream()
        }
        Input::Impl(imp) => expand_impl(imp),
        // `valid` rejects every other input.
        Input::TraitMethodDecl(_) | Input::Other { .. } => diagnostics::fallback(
            syn::Error::new(proc_macro2::Span::call_site(), "unsupported item"),
            item,
        ),
    }
}

fn expand_impl(imp: ImplModel) -> TokenStream {
    let k = core_path(&imp.args);
    let mut out = imp.original;
    for (index, m) in imp.methods {
        let k = core_path_or(&m.args, &k);
        if let ImplItem::Fn(item) = &mut out.items[index] {
            let (sig, block) = expand_fn(m, &k);
            item.sig = sig;
            item.block = block;
        }
    }
    // Markers of methods left as written go too.
    for item in out.items.iter_mut() {
        if let ImplItem::Fn(m) = item {
            while take_marker(&mut m.attrs, "nograd").is_some() {}
            while take_marker(&mut m.attrs, "differentiable").is_some() {}
            select::strip_param_markers(&mut m.sig);
        }
    }
    out.into_token_stream()
}

/// The generic signature and rewritten body of one validated fn; a fn with nothing to
/// differentiate (an unmarked impl method) comes back as written, markers stripped.
fn expand_fn(f: FnModel, k: &TokenStream) -> (Signature, Block) {
    let FnModel {
        args,
        mut sig,
        mut block,
        params,
        ..
    } = f;
    let s = args.scalar_ident();
    let roles = select::roles(&params, &args);
    select::strip_param_markers(&mut sig);
    if !select::has_generic(&roles) {
        return (sig, block);
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
    add_where(&mut sig, bundle_predicates(&s, k));

    rewrite_body(
        &Ctx {
            scalar: s.clone(),
            krate: k.clone(),
            ret_has_f64,
            f64_consts: crate::scope::f64_consts(),
        },
        &mut block,
    );
    let lifts = lifted.iter().map(
        |n| quote_spanned!(n.span()=> let #n = (&#k::__private::W::new(#n)).__promote::<#s>();),
    );
    let prelude = quote! {
        #[allow(unused_imports)]
        use #k::__private::{AnyBin as _, ElemL0 as _, ElemL1 as _, MatBin as _, MatMul as _, ConvL0 as _, ConvL1 as _, ConvL2 as _, PromoteL0 as _, PromoteL1 as _, RecvL0 as _, RecvRef as _, RecvL1 as _, ToSL0 as _, ToSL1 as _, ValL0 as _, ValL1 as _};
        #[allow(unused_imports)]
        use #k::Scalar as _;
        #(#lifts)*
    };
    let mut stmts: Vec<syn::Stmt> =
        syn::parse::Parser::parse2(Block::parse_within, prelude).expect("the prelude parses");
    stmts.append(&mut block.stmts);
    block.stmts = stmts;
    (sig, block)
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
