//! The fallback output: the user's item (markers stripped) next to the `compile_error!`s, so
//! call sites don't cascade into more errors; and `#[plain]`'s marker stripping.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{ImplItem, Item};

use crate::select::{strip_param_markers, take_marker};

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
