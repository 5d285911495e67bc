//! A page's link as a QR code, drawn as SVG with the `qrcode` crate (in
//! the browser, from the whole link, key included; a lazy part of the WASM,
//! see `crate::lazy`).

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
