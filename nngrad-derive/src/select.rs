//! Which parameters become the generic scalar, and the `f64 → S` rewrite of types.

use proc_macro2::{Group, Ident, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Pat, Signature, Type};

use crate::parse::Args;

/// What happens to one typed parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Role {
    /// Its `f64`s become `S`.
    Generic,
    /// Kept exactly as written (`#[nograd]`, not in `wrt`, or no `f64` in it).
    Kept,
    /// Kept in the signature, converted to `S` once at entry (`#[lift]`, or a constant
    /// parameter of an opaque container type such as `&DMatrix<f64>`).
    Lifted(Ident),
}

/// True when the tokens of `ty` mention `f64` anywhere.
pub fn type_has_f64(ty: &Type) -> bool {
    fn scan(ts: TokenStream) -> bool {
        ts.into_iter().any(|tt| match tt {
            TokenTree::Ident(id) => id == "f64",
            TokenTree::Group(g) => scan(g.stream()),
            _ => false,
        })
    }
    scan(ty.to_token_stream())
}

/// `ty` with every `f64` token replaced by the scalar ident (keeping the user's span).
pub fn replace_f64(ty: &Type, scalar: &Ident) -> Type {
    fn walk(ts: TokenStream, scalar: &Ident) -> TokenStream {
        ts.into_iter()
            .map(|tt| match tt {
                TokenTree::Ident(id) if id == "f64" => {
                    TokenTree::Ident(Ident::new(&scalar.to_string(), id.span()))
                }
                TokenTree::Group(g) => {
                    let mut ng = Group::new(g.delimiter(), walk(g.stream(), scalar));
                    ng.set_span(g.span());
                    TokenTree::Group(ng)
                }
                other => other,
            })
            .collect()
    }
    syn::parse2(walk(ty.to_token_stream(), scalar)).unwrap_or_else(|_| ty.clone())
}

/// Containers whose `f64 op S` arithmetic works element-wise through the mixed scalar
/// operators; anything else holding `f64` (nalgebra matrices, user types) is opaque.
const TRANSPARENT: &[&str] = &["Vec", "Option", "Box", "Rc", "Arc", "VecDeque", "f64"];

/// True for a shared-borrowed or owned nalgebra-like container of `f64` (auto-lift target).
fn is_opaque_container(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) if r.mutability.is_none() => is_opaque_container(&r.elem),
        Type::Paren(p) => is_opaque_container(&p.elem),
        Type::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .is_some_and(|seg| !TRANSPARENT.iter().any(|t| seg.ident == t)),
        _ => false,
    }
}

/// Removes the marker attribute `name` from `attrs`; returns it when it was there.
pub fn take_marker(attrs: &mut Vec<Attribute>, name: &str) -> Option<Attribute> {
    let pos = attrs.iter().position(|a| a.path().is_ident(name))?;
    Some(attrs.remove(pos))
}

fn param_name(pat: &Pat) -> Option<&Ident> {
    match pat {
        Pat::Ident(p) => Some(&p.ident),
        _ => None,
    }
}

/// Decides the role of every typed parameter (receivers are never changed) and strips the
/// `#[nograd]` / `#[lift]` markers. `roles[i]` belongs to the i-th typed parameter.
pub fn select(sig: &mut Signature, args: &Args) -> syn::Result<Vec<Role>> {
    let mut errors: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    let fn_name = sig.ident.to_string();
    let mut roles = Vec::new();
    let mut names = Vec::new();
    for arg in sig.inputs.iter_mut() {
        let FnArg::Typed(pt) = arg else { continue };
        let nograd = take_marker(&mut pt.attrs, "nograd");
        let lift = take_marker(&mut pt.attrs, "lift");
        let has_f64 = type_has_f64(&pt.ty);
        let name = param_name(&pt.pat).cloned();
        names.push((name.clone(), has_f64, pt.ty.clone()));
        if let (Some(attr), Some(_)) = (&nograd, &args.wrt) {
            push(syn::Error::new_spanned(
                attr,
                "`#[nograd]` cannot be combined with `wrt(..)`: with `wrt` every parameter \
                 not listed is already kept as written",
            ));
        }
        let role = if let Some(attr) = lift {
            if !has_f64 {
                push(syn::Error::new(
                    pt.ty.span(),
                    format!(
                        "`#[lift]` needs a parameter whose type contains `f64`, found `{}`",
                        pt.ty.to_token_stream().to_string().replace(" ", "")
                    ),
                ));
                Role::Kept
            } else if let Some(n) = &name {
                if nograd.is_some() {
                    push(syn::Error::new_spanned(
                        attr,
                        "`#[lift]` and `#[nograd]` exclude each other",
                    ));
                }
                Role::Lifted(n.clone())
            } else {
                push(syn::Error::new_spanned(
                    attr,
                    "`#[lift]` needs a plain `name: Type` parameter",
                ));
                Role::Kept
            }
        } else if !has_f64 || nograd.is_some() {
            Role::Kept
        } else if let Some(wrt) = &args.wrt {
            if name.as_ref().is_some_and(|n| wrt.contains(n)) {
                Role::Generic
            } else if let (true, Some(n)) = (is_opaque_container(&pt.ty), &name) {
                Role::Lifted(n.clone())
            } else {
                Role::Kept
            }
        } else {
            Role::Generic
        };
        roles.push(role);
    }
    if let Some(wrt) = &args.wrt {
        for w in wrt {
            match names.iter().find(|(n, _, _)| n.as_ref() == Some(w)) {
                None => push(syn::Error::new(
                    w.span(),
                    format!("`{w}` is not a parameter of `{fn_name}`"),
                )),
                Some((_, false, ty)) => push(syn::Error::new(
                    w.span(),
                    format!(
                        "`{w}` has type `{}`, which contains no `f64` to differentiate",
                        ty.to_token_stream().to_string().replace(" ", "")
                    ),
                )),
                Some(_) => {}
            }
        }
    }
    if let Some(e) = errors {
        return Err(e);
    }
    Ok(roles)
}

/// True when the signature has at least one parameter the default rule would differentiate.
pub fn has_generic(roles: &[Role]) -> bool {
    roles.contains(&Role::Generic)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_args;
    use quote::quote;

    fn sig(ts: TokenStream) -> Signature {
        syn::parse2(ts).unwrap()
    }

    #[test]
    fn default_selects_every_f64_param() {
        let mut s = sig(quote!(fn f(x: &[f64], n: usize, #[nograd] t: &[f64], w: Vec<Vec<f64>>)));
        let roles = select(&mut s, &Args::default()).unwrap();
        assert_eq!(
            roles,
            [Role::Generic, Role::Kept, Role::Kept, Role::Generic]
        );
        // the marker is gone from the signature
        assert!(!s.to_token_stream().to_string().contains("nograd"));
    }

    #[test]
    fn wrt_keeps_the_rest_and_lifts_opaque_containers() {
        let mut s = sig(quote!(fn f(x: &DVector<f64>, w: &DMatrix<f64>, b: &[f64])));
        let roles = select(&mut s, &parse_args(quote!(wrt(x))).unwrap()).unwrap();
        let w: Ident = syn::parse_quote!(w);
        assert_eq!(roles, [Role::Generic, Role::Lifted(w), Role::Kept]);
    }

    #[test]
    fn wrt_errors_name_the_parameter() {
        let mut s = sig(quote!(fn f(x: f64, n: usize)));
        let e = select(&mut s, &parse_args(quote!(wrt(y, n))).unwrap()).unwrap_err();
        let msgs: Vec<String> = e.into_iter().map(|e| e.to_string()).collect();
        assert!(
            msgs[0].contains("`y` is not a parameter of `f`"),
            "{msgs:?}"
        );
        assert!(msgs[1].contains("`n` has type `usize`"), "{msgs:?}");
    }

    #[test]
    fn replaces_f64_inside_types() {
        let s: Ident = syn::parse_quote!(S);
        let t: Type = syn::parse_quote!(impl Fn(&[f64], [f64; N]) -> (f64, Vec<f64>));
        let got = replace_f64(&t, &s).to_token_stream().to_string();
        assert_eq!(
            got,
            quote!(impl Fn(&[S], [S; N]) -> (S, Vec<S>)).to_string()
        );
    }
}
