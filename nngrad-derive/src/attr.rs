//! The attribute's arguments: `wrt(a, b)`, `scalar = T`, `crate = path`, `no_simd`.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::{Ident, LitStr, Path, Token};

/// Parsed `#[differentiable(..)]` arguments.
#[derive(Default)]
pub struct Args {
    /// `wrt(..)`: the parameters to differentiate, when given explicitly.
    pub wrt: Option<Vec<Ident>>,
    /// `wrt` keyword itself (for errors that concern the whole list).
    pub wrt_span: Option<Span>,
    /// `scalar = T`: the name of the generic parameter (default `S`).
    pub scalar: Option<Ident>,
    /// `crate = path`: the core crate's path (default: found from Cargo.toml).
    pub krate: Option<Path>,
    /// `no_simd`: no AVX2+FMA clone (its dispatch is an `unsafe` call, which a crate under
    /// `#![forbid(unsafe_code)]` refuses).
    pub no_simd: bool,
}

impl Args {
    /// The generic parameter's name; the default carries the attribute's span so that rustc's
    /// "found this type parameter" label points at `#[differentiable]`.
    pub fn scalar_ident(&self) -> Ident {
        self.scalar
            .clone()
            .unwrap_or_else(|| Ident::new("S", Span::call_site()))
    }
}

/// Parses the attribute's argument tokens.
pub fn parse_args(tokens: TokenStream) -> syn::Result<Args> {
    let mut args = Args::default();
    if tokens.is_empty() {
        return Ok(args);
    }
    let parser = syn::meta::parser(|meta| parse_one(&mut args, meta));
    syn::parse::Parser::parse2(parser, tokens)?;
    Ok(args)
}

fn parse_one(args: &mut Args, meta: ParseNestedMeta) -> syn::Result<()> {
    if meta.path.is_ident("wrt") {
        if args.wrt.is_some() {
            return Err(meta.error("`wrt(..)` given twice"));
        }
        let mut names = Vec::new();
        meta.parse_nested_meta(|inner| match inner.path.get_ident() {
            Some(id) if inner.input.is_empty() || inner.input.peek(Token![,]) => {
                names.push(id.clone());
                Ok(())
            }
            _ => Err(inner.error("expected a parameter name, as in `wrt(x, y)`")),
        })?;
        if names.is_empty() {
            return Err(meta.error("`wrt()` names no parameter; list them, as in `wrt(x)`"));
        }
        args.wrt_span = Some(
            meta.path
                .get_ident()
                .map_or_else(Span::call_site, Ident::span),
        );
        args.wrt = Some(names);
        Ok(())
    } else if meta.path.is_ident("scalar") {
        let id: Ident = meta.value()?.parse()?;
        args.scalar = Some(id);
        Ok(())
    } else if meta.path.is_ident("no_simd") {
        args.no_simd = true;
        Ok(())
    } else if meta.path.is_ident("crate") {
        let value = meta.value()?;
        let path = if value.peek(LitStr) {
            value.parse::<LitStr>()?.parse::<Path>()?
        } else {
            value.call(Path::parse_mod_style)?
        };
        args.krate = Some(path);
        Ok(())
    } else {
        let name = quote::ToTokens::to_token_stream(&meta.path)
            .to_string()
            .replace(' ', "");
        Err(meta.error(format!(
            "unknown argument `{name}`; expected `wrt(..)`, `scalar = T`, `crate = path` or `no_simd`"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn reads_every_option() {
        let a = parse_args(quote!(wrt(x, y), scalar = T, crate = ::my_core)).unwrap();
        let names: Vec<String> = a.wrt.unwrap().iter().map(|i| i.to_string()).collect();
        assert_eq!(names, ["x", "y"]);
        assert_eq!(a.scalar.unwrap().to_string(), "T");
        let k = a.krate.unwrap();
        assert_eq!(quote!(#k).to_string(), quote!(::my_core).to_string());
    }

    #[test]
    fn crate_path_may_be_a_string() {
        let a = parse_args(quote!(crate = "::my_core::inner")).unwrap();
        let p = a.krate.unwrap();
        assert_eq!(quote!(#p).to_string(), quote!(::my_core::inner).to_string());
    }

    #[test]
    fn unknown_option_names_itself() {
        let e = parse_args(quote!(wrt(x), speed = 3)).err().unwrap();
        assert!(e.to_string().contains("unknown argument `speed`"), "{e}");
    }

    #[test]
    fn no_simd_is_a_flag() {
        assert!(parse_args(quote!(no_simd, wrt(x))).unwrap().no_simd);
        assert!(!parse_args(quote!(wrt(x))).unwrap().no_simd);
    }

    #[test]
    fn empty_wrt_is_an_error() {
        assert!(parse_args(quote!(wrt())).is_err());
    }
}
