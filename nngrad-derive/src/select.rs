//! Which parameters become the generic scalar, and the `f64 → S` rewrite of types.

use proc_macro2::{Group, Ident, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{Attribute, FnArg, Signature, Type};

use crate::ast::Param;
use crate::attr::Args;

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

/// The role of every typed parameter of a validated fn (`valid` has reported every
/// inconsistent marker); `roles[i]` belongs to the i-th typed parameter.
pub fn roles(params: &[Param], args: &Args) -> Vec<Role> {
    params
        .iter()
        .map(|p| match (&p.lift, &p.name) {
            (Some(_), Some(n)) if p.has_f64 => Role::Lifted(n.clone()),
            (Some(_), _) => Role::Kept,
            _ if !p.has_f64 || p.nograd.is_some() => Role::Kept,
            _ => match &args.wrt {
                None => Role::Generic,
                Some(wrt) if p.name.as_ref().is_some_and(|n| wrt.contains(n)) => Role::Generic,
                Some(_) => match &p.name {
                    Some(n) if is_opaque_container(&p.ty) => Role::Lifted(n.clone()),
                    _ => Role::Kept,
                },
            },
        })
        .collect()
}

/// Removes `#[nograd]` / `#[lift]` from every parameter.
pub fn strip_param_markers(sig: &mut Signature) {
    for arg in sig.inputs.iter_mut() {
        if let FnArg::Typed(pt) = arg {
            while take_marker(&mut pt.attrs, "nograd").is_some() {}
            while take_marker(&mut pt.attrs, "lift").is_some() {}
        }
    }
}

/// True when the signature has at least one parameter the default rule would differentiate.
pub fn has_generic(roles: &[Role]) -> bool {
    roles.contains(&Role::Generic)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::parse_args;
    use quote::quote;

    fn roles_of(sig: TokenStream, args: &Args) -> Vec<Role> {
        let s: Signature = syn::parse2(sig).unwrap();
        let f = crate::ast::FnModel::for_tests(s);
        roles(&f.params, args)
    }

    #[test]
    fn default_selects_every_f64_param() {
        let roles = roles_of(
            quote!(fn f(x: &[f64], n: usize, #[nograd] t: &[f64], w: Vec<Vec<f64>>)),
            &Args::default(),
        );
        assert_eq!(
            roles,
            [Role::Generic, Role::Kept, Role::Kept, Role::Generic]
        );
    }

    #[test]
    fn wrt_keeps_the_rest_and_lifts_opaque_containers() {
        let roles = roles_of(
            quote!(fn f(x: &DVector<f64>, w: &DMatrix<f64>, b: &[f64])),
            &parse_args(quote!(wrt(x))).unwrap(),
        );
        let w: Ident = syn::parse_quote!(w);
        assert_eq!(roles, [Role::Generic, Role::Lifted(w), Role::Kept]);
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
