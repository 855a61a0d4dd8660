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
            let s = f.args.scalar_ident();
            let generic = select::has_generic(&select::roles(&f.params, &f.args));
            let no_simd = f.args.no_simd;
            let (sig, mut block) = expand_fn(f, &k);
            // A free fn (or a method annotated alone: nothing tells them apart here) gets its
            // clone nested in its own body, so no new name appears beside it; a nested fn
            // cannot name `Self`, a receiver or an enclosing impl's generics, so a fn that
            // mentions `Self` or `self` keeps only its body as written.
            if generic
                && !no_simd
                && clone_ok(&sig, &attrs)
                && !mentions_self(&sig, &block)
                && !body_once_items(&block)
            {
                let name = Ident::new("__nngrad_avx2", sig.ident.span());
                let clone = clone_fn(&sig, &block, &name, &[]);
                let call = dispatch(&sig, &s, &k, quote!(#name), Some(clone));
                block.stmts.insert(0, call);
            }
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
    // Clones are sibling methods (a nested fn cannot use the impl's generics or `Self`),
    // which only an inherent impl may add.
    let inherent = matches!(imp.kind, ast::TraitKind::Inherent);
    let mut out = imp.original;
    let mut clones = Vec::new();
    for (index, m) in imp.methods {
        let k = core_path_or(&m.args, &k);
        let s = m.args.scalar_ident();
        let generic = select::has_generic(&select::roles(&m.params, &m.args));
        let no_simd = imp.args.no_simd || m.args.no_simd;
        if let ImplItem::Fn(item) = &mut out.items[index] {
            let attrs = item.attrs.clone();
            let (sig, mut block) = expand_fn(m, &k);
            if inherent && generic && !no_simd && clone_ok(&sig, &attrs) && !body_once_items(&block)
            {
                let name = quote::format_ident!("__nngrad_avx2_{}", sig.ident);
                let clone = clone_fn(&sig, &block, &name, &attrs);
                let call = dispatch(&sig, &s, &k, quote!(Self::#name), None);
                block.stmts.insert(0, call);
                clones.push(syn::parse2::<ImplItem>(clone).expect("the clone parses"));
            }
            item.sig = sig;
            item.block = block;
        }
    }
    out.items.extend(clones);
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

/// Whether a generated fn can have an AVX2+FMA clone: a plain (not `const`, `async`,
/// `extern` or `#[track_caller]`) fn whose parameters are plain names, so the dispatch can
/// forward them, and with no `impl Trait` (an opaque return type of the clone would differ
/// from the fn's own; argument-position `impl Trait` forbids the turbofish).
fn clone_ok(sig: &Signature, attrs: &[syn::Attribute]) -> bool {
    let plain_params = sig.inputs.iter().all(|a| match a {
        FnArg::Receiver(_) => true,
        FnArg::Typed(pt) => {
            matches!(&*pt.pat, syn::Pat::Ident(p) if p.by_ref.is_none() && p.subpat.is_none())
                && !has_ident(pt.ty.to_token_stream(), "impl")
        }
    });
    let impl_ret = match &sig.output {
        ReturnType::Type(_, ty) => has_ident(ty.to_token_stream(), "impl"),
        ReturnType::Default => false,
    };
    sig.constness.is_none()
        && sig.asyncness.is_none()
        && sig.abi.is_none()
        && sig.variadic.is_none()
        && plain_params
        && !impl_ret
        && !attrs.iter().any(|a| a.path().is_ident("track_caller"))
}

/// Whether `ts` has the ident `name` anywhere (a lifetime `'name` does not count).
fn has_ident(ts: TokenStream, name: &str) -> bool {
    let mut after_quote = false;
    ts.into_iter().any(|t| {
        let hit = match &t {
            proc_macro2::TokenTree::Ident(i) => i == name && !after_quote,
            proc_macro2::TokenTree::Group(g) => has_ident(g.stream(), name),
            _ => false,
        };
        after_quote = matches!(&t, proc_macro2::TokenTree::Punct(p) if p.as_char() == '\'');
        hit
    })
}

/// Whether a body holds items that must exist once: a `static` (two copies would count
/// apart) or an `impl` block (two copies conflict).
fn body_once_items(block: &Block) -> bool {
    let ts = block.to_token_stream();
    has_ident(ts.clone(), "static") || has_ident(ts, "impl")
}

/// Whether the fn has a receiver or names `Self` (then a nested clone could not compile).
fn mentions_self(sig: &Signature, block: &Block) -> bool {
    sig.receiver().is_some()
        || has_ident(sig.to_token_stream(), "Self")
        || has_ident(block.to_token_stream(), "Self")
        || has_ident(block.to_token_stream(), "self")
}

/// The AVX2+FMA clone of a generated fn: its signature (renamed) and its generated body,
/// under `#[target_feature]`, hidden, with the fn's own lint and `cfg` attributes.
fn clone_fn(sig: &Signature, block: &Block, name: &Ident, attrs: &[syn::Attribute]) -> TokenStream {
    let mut sig = sig.clone();
    sig.ident = name.clone();
    let kept = attrs.iter().filter(|a| {
        ["allow", "expect", "warn", "deny", "forbid", "cfg"]
            .iter()
            .any(|n| a.path().is_ident(n))
    });
    quote! {
        #[doc(hidden)]
        #(#kept)*
        #[target_feature(enable = "avx2,fma")]
        #[cfg(target_arch = "x86_64")]
        #sig #block
    }
}

/// The statement that starts a generated fn with a clone: on x86-64, for a dual scalar
/// (a constant of `Scalar`, so an `f64` instance has no branch) on a CPU with AVX2 and FMA,
/// return what the clone `callee` returns for the same arguments. `nested`: the clone's item,
/// placed inside the statement.
fn dispatch(
    sig: &Signature,
    s: &Ident,
    k: &TokenStream,
    callee: TokenStream,
    nested: Option<TokenStream>,
) -> syn::Stmt {
    let args = sig.inputs.iter().map(|a| match a {
        FnArg::Receiver(_) => quote!(self),
        FnArg::Typed(pt) => match &*pt.pat {
            syn::Pat::Ident(p) => p.ident.to_token_stream(),
            _ => unreachable!("clone_ok admits plain names only"),
        },
    });
    let generics = sig.generics.params.iter().filter_map(|p| match p {
        GenericParam::Type(t) => Some(t.ident.to_token_stream()),
        GenericParam::Const(c) => Some(c.ident.to_token_stream()),
        GenericParam::Lifetime(_) => None,
    });
    syn::parse_quote! {
        #[cfg(target_arch = "x86_64")]
        {
            #nested
            if <#s as #k::Scalar>::__SIMD_CLONE && #k::__private::simd_avx2_fma() {
                // SAFETY: the clone is the same fn compiled with `avx2,fma` enabled, and
                // `simd_avx2_fma()` is true only when `is_x86_feature_detected!` found both
                // on the running CPU.
                #[allow(unsafe_code)]
                return unsafe { #callee::<#(#generics),*>(#(#args),*) };
            }
        }
    }
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
