//! Stage 2, validate: every semantic check on the model, before any code is generated. All
//! errors are collected, so one compile reports every problem (each a `compile_error!` at the
//! user's tokens); emission then only generates.

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{GenericParam, Ident, ReturnType, Type};

use crate::ast::{FnModel, ImplModel, Input, TraitKind};
use crate::select::{has_generic, roles};

/// Every error found, combined into one `syn::Error` (which emits one `compile_error!` each).
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }
    fn at(&mut self, span: proc_macro2::Span, msg: impl std::fmt::Display) {
        self.push(syn::Error::new(span, msg));
    }
    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

fn compact(t: &impl ToTokens) -> String {
    t.to_token_stream().to_string().replace(' ', "")
}

/// Checks the whole input.
pub fn validate(input: &Input) -> syn::Result<()> {
    let mut errs = Errors::default();
    match input {
        Input::TraitMethodDecl(decl) => errs.at(
            decl.sig.ident.span(),
            "`#[differentiable]` cannot be applied to a trait method declaration: it has no \
             body to rewrite; put it on the implementations' inherent methods, or write the \
             trait generic over `S: Scalar` by hand",
        ),
        Input::Other { span, what } => errs.at(
            *span,
            match *what {
                "a trait" => {
                    "`#[differentiable]` cannot be applied to a trait; apply it to a fn \
                              or an inherent impl block"
                }
                "these tokens" => "expected a fn or an inherent impl block",
                _ => "`#[differentiable]` applies to a fn or an inherent impl block",
            },
        ),
        Input::Fn(f) => check_fn(f, &[], &mut errs),
        Input::Impl(imp) => check_impl(imp, &mut errs),
    }
    errs.finish()
}

fn check_impl(imp: &ImplModel, errs: &mut Errors) {
    if let TraitKind::Other(path) = &imp.kind {
        errs.at(
            path.span(),
            "`#[differentiable]` cannot be applied to a trait impl: the trait fixes the methods' \
             signatures, so they cannot become generic over the scalar; make the trait itself \
             generic (`fn forward<S: Scalar>(..)` with `#[scalar_bounds(S)]`) or move the code \
             to an inherent impl",
        );
        return;
    }
    if let Some(span) = imp.args.wrt_span {
        errs.at(
            span,
            "`wrt(..)` names parameters of one fn; on an impl block put \
             `#[differentiable(wrt(..))]` on the method instead",
        );
    }
    for (_, m) in &imp.methods {
        check_fn(m, &imp.outer, errs);
    }
}

fn check_fn(f: &FnModel, outer: &[Ident], errs: &mut Errors) {
    let sig = &f.sig;
    let s = f.args.scalar_ident();
    let generic = has_generic(&roles(&f.params, &f.args));
    // An unmarked method of an impl block with nothing to differentiate is left as written:
    // nothing to check (a `const fn len(&self)` getter is fine).
    if !f.required && !generic {
        return;
    }
    if let Some(c) = &sig.constness {
        errs.at(
            c.span,
            "`#[differentiable]` does not support `const fn`: the scalar's arithmetic is not const",
        );
    }
    if let Some(a) = &sig.asyncness {
        errs.at(
            a.span,
            "`#[differentiable]` does not support `async fn`; make a sync fn differentiable and \
             call it from the async code",
        );
    }
    if let Some(v) = &sig.variadic {
        errs.at(v.span(), "`#[differentiable]` does not support variadics");
    }
    let clash = sig
        .generics
        .params
        .iter()
        .find_map(|p| match p {
            GenericParam::Type(t) if t.ident == s => Some(t.ident.clone()),
            GenericParam::Const(c) if c.ident == s => Some(c.ident.clone()),
            _ => None,
        })
        .or_else(|| outer.iter().find(|o| **o == s).cloned());
    if let Some(id) = clash {
        errs.at(
            id.span(),
            format!(
                "a generic parameter named `{s}` already exists; name the scalar differently, \
                 e.g. `#[differentiable(scalar = Real)]`"
            ),
        );
    }
    for p in &f.params {
        if let (Some(attr), Some(_)) = (&p.nograd, &f.args.wrt) {
            errs.push(syn::Error::new_spanned(
                attr,
                "`#[nograd]` cannot be combined with `wrt(..)`: with `wrt` every parameter \
                 not listed is already kept as written",
            ));
        }
        if let Some(attr) = &p.lift {
            if !p.has_f64 {
                errs.at(
                    p.ty.span(),
                    format!(
                        "`#[lift]` needs a parameter whose type contains `f64`, found `{}`",
                        compact(&p.ty)
                    ),
                );
            } else if p.name.is_none() {
                errs.push(syn::Error::new_spanned(
                    attr,
                    "`#[lift]` needs a plain `name: Type` parameter",
                ));
            } else if p.nograd.is_some() {
                errs.push(syn::Error::new_spanned(
                    attr,
                    "`#[lift]` and `#[nograd]` exclude each other",
                ));
            }
        }
    }
    if let Some(wrt) = &f.args.wrt {
        for w in wrt {
            match f.params.iter().find(|p| p.name.as_ref() == Some(w)) {
                None => errs.at(
                    w.span(),
                    format!("`{w}` is not a parameter of `{}`", sig.ident),
                ),
                Some(p) if !p.has_f64 => errs.at(
                    w.span(),
                    format!(
                        "`{w}` has type `{}`, which contains no `f64` to differentiate",
                        compact(&p.ty)
                    ),
                ),
                Some(_) => {}
            }
        }
    }
    if f.trait_eval {
        check_trait_eval(f, errs);
    } else if !generic && f.args.wrt.is_none() {
        // (with `wrt`, the errors about its names above say what is wrong)
        errs.at(
            sig.ident.span(),
            format!(
                "nothing to differentiate: no parameter of `{}` has a type containing `f64`\n\
                 note: the macro sees tokens, not types: an alias such as `type Real = f64` is \
                 invisible to it; write `f64` in the signature",
                sig.ident
            ),
        );
    }
}

/// `eval` of `impl Differentiable`: the trait's signature written for `f64`.
fn check_trait_eval(f: &FnModel, errs: &mut Errors) {
    let sig = &f.sig;
    let is_slice_f64 = |t: &Type| {
        matches!(t, Type::Reference(r) if r.mutability.is_none()
            && matches!(&*r.elem, Type::Slice(s) if compact(&s.elem) == "f64"))
    };
    let receiver_ok = sig
        .receiver()
        .is_some_and(|r| r.reference.is_some() && r.mutability.is_none());
    let params_ok = f.params.len() == 1 && is_slice_f64(&f.params[0].ty);
    let ret_ok = match &sig.output {
        ReturnType::Type(_, t) => compact(t).starts_with("Result<Vec<f64>,"),
        ReturnType::Default => false,
    };
    if !(receiver_ok && params_ok && ret_ok) || f.args.wrt.is_some() {
        errs.at(
            sig.ident.span(),
            format!(
                "`eval` of `impl Differentiable` must be the trait's signature written for \
                 `f64`: `fn eval(&self, x: &[f64]) -> Result<Vec<f64>, Self::Error>` (found \
                 `fn {}`); the macro makes `x` and the result generic over `S`",
                compact(sig).trim_start_matches("fn")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn errors(args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> Vec<String> {
        let input = crate::ast::parse(args, item).unwrap();
        match validate(&input) {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    #[test]
    fn wrt_errors_name_the_parameter() {
        let msgs = errors(
            quote!(wrt(y, n)),
            quote!(
                fn f(x: f64, n: usize) -> f64 {
                    x
                }
            ),
        );
        assert!(
            msgs[0].contains("`y` is not a parameter of `f`"),
            "{msgs:?}"
        );
        assert!(msgs[1].contains("`n` has type `usize`"), "{msgs:?}");
    }

    #[test]
    fn every_error_of_every_method_is_reported() {
        let msgs = errors(
            quote!(),
            quote! {
                impl Net {
                    const fn a(&self, x: f64) -> f64 { x }
                    async fn b(&self, x: f64, #[lift] n: usize) -> f64 { x }
                }
            },
        );
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(msgs[0].contains("`const fn`"));
        assert!(msgs[1].contains("`async fn`"));
        assert!(msgs[2].contains("`#[lift]` needs a parameter whose type contains `f64`"));
    }

    #[test]
    fn eval_of_differentiable_must_keep_the_trait_signature() {
        let ok = errors(
            quote!(),
            quote! {
                impl Differentiable for Net {
                    type Error = E;
                    fn input_len(&self) -> usize { 1 }
                    fn eval(&self, x: &[f64]) -> Result<Vec<f64>, E> { Ok(x.to_vec()) }
                }
            },
        );
        assert!(ok.is_empty(), "{ok:?}");
        let bad = errors(
            quote!(),
            quote! {
                impl Differentiable for Net {
                    fn eval(&self, x: &[f64]) -> Vec<f64> { x.to_vec() }
                }
            },
        );
        assert!(bad[0].contains("must be the trait's signature"), "{bad:?}");
    }
}
