//! Macro errors: the messages that need more than a span, and the fallback output that keeps
//! the user's item (markers stripped) next to the `compile_error!` so call sites don't cascade.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{ImplItem, Item, Signature};

use crate::select::take_marker;

/// "No parameter has a type containing f64", with the alias note.
pub fn nothing_to_differentiate(sig: &Signature) -> syn::Error {
    syn::Error::new(
        sig.ident.span(),
        format!(
            "nothing to differentiate: no parameter of `{}` has a type containing `f64`\n\
             note: the macro sees tokens, not types: an alias such as `type Real = f64` is \
             invisible to it; write `f64` in the signature",
            sig.ident
        ),
    )
}

/// Removes `#[nograd]` / `#[lift]` from every parameter.
pub fn strip_param_markers(sig: &mut Signature) {
    for arg in sig.inputs.iter_mut() {
        if let syn::FnArg::Typed(pt) = arg {
            while take_marker(&mut pt.attrs, "nograd").is_some() {}
            while take_marker(&mut pt.attrs, "lift").is_some() {}
        }
    }
}

/// The item as plain f64 code: markers removed, nothing else changed.
pub fn strip_markers(item: TokenStream) -> TokenStream {
    match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(mut f)) => {
            strip_param_markers(&mut f.sig);
            f.into_token_stream()
        }
        Ok(Item::Impl(mut imp)) => {
            for it in imp.items.iter_mut() {
                if let ImplItem::Fn(m) = it {
                    while take_marker(&mut m.attrs, "nograd").is_some() {}
                    while take_marker(&mut m.attrs, "differentiable").is_some() {}
                    strip_param_markers(&mut m.sig);
                }
            }
            imp.into_token_stream()
        }
        _ => item,
    }
}

/// `compile_error!`s plus the original item with its markers stripped.
pub fn fallback(e: syn::Error, item: TokenStream) -> TokenStream {
    let mut out = e.to_compile_error();
    out.extend(strip_markers(item));
    out
}
