//! Sharing a page's link: its QR code, drawn as SVG with the `qrcode`
//! crate (in the browser, from the whole link, key included), and the
//! system share sheet where the browser has one.

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// The QR code of `link` as an SVG element (no XML prolog), or `None` for
/// a link too long for a QR code.
pub fn qr_svg(link: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(link.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color>()
        .min_dimensions(232, 232)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    let start = image.find("<svg")?;
    Some(image[start..].to_owned())
}

/// Opens the system share sheet with the link; false where the browser has none.
#[cfg(feature = "hydrate")]
pub fn share_sheet(url: &str, title: &str) -> bool {
    use wasm_bindgen::JsCast;
    let navigator = leptos::prelude::window().navigator();
    let Ok(share) = js_sys::Reflect::get(&navigator, &"share".into()) else { return false };
    let Some(share) = share.dyn_ref::<js_sys::Function>() else { return false };
    let data = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&data, &"url".into(), &url.into());
    let _ = js_sys::Reflect::set(&data, &"title".into(), &title.into());
    match share.call1(&navigator, &data) {
        Ok(promise) => {
            // Dismissing the sheet rejects the promise: that is no error.
            if let Ok(promise) = promise.dyn_into::<js_sys::Promise>() {
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                });
            }
            true
        }
        Err(_) => false,
    }
}

/// Whether this browser has a system share sheet.
#[cfg(feature = "hydrate")]
pub fn has_share_sheet() -> bool {
    let navigator = leptos::prelude::window().navigator();
    js_sys::Reflect::get(&navigator, &"share".into()).is_ok_and(|f| f.is_function())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_with_its_key_fits_and_is_drawn_as_svg() {
        let link = format!("https://p2p.example/{}#{}", "a".repeat(64), "K".repeat(43));
        let svg = qr_svg(&link).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.contains("viewBox") && svg.ends_with("</svg>"));
        // The same link always gives the same code (what the browser shows is
        // the crate's encoding of the link).
        assert_eq!(qr_svg(&link), Some(svg));
        assert!(qr_svg(&"x".repeat(5000)).is_none(), "too long for any QR code");
    }
}
