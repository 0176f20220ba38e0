//! Photos and documents: checks and re-encoding before anything is stored.
//! Invariant: a photo is decoded within byte and pixel limits before it is
//! accepted, and only the re-encoded version is ever served.

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use std::io::Cursor;

/// Upload bounds (DESIGN §7).
pub const MAX_PHOTO_BYTES: usize = 15 * 1024 * 1024;
pub const MAX_PIXELS_SIDE: u32 = 8000;
/// Sizes served: the display version and the list thumbnail (longest side).
pub const DISPLAY_SIDE: u32 = 1280;
pub const THUMB_SIDE: u32 = 480;

/// Documents (PDF) attached to items.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// Checks a document: a PDF by its signature, within the size bound.
pub fn check_document(bytes: &[u8]) -> Result<(), MediaError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(MediaError::TooLarge);
    }
    if !bytes.starts_with(b"%PDF-") {
        return Err(MediaError::UnknownFormat);
    }
    Ok(())
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MediaError {
    #[error("the file is larger than {MAX_PHOTO_BYTES} bytes")]
    TooLarge,
    #[error("the image is larger than {MAX_PIXELS_SIDE} pixels on a side")]
    TooManyPixels,
    #[error("not a JPEG, PNG, WebP or GIF image")]
    UnknownFormat,
    #[error("the image could not be decoded: {0}")]
    Undecodable(String),
}

/// A photo ready to store: the display JPEG and the thumbnail JPEG.
#[derive(Debug)]
pub struct Processed {
    pub display: Vec<u8>,
    pub thumbnail: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Decodes an uploaded photo within limits, then re-encodes it (stripping any
/// metadata, scripts or trailing data) at display and thumbnail sizes.
pub fn process_photo(bytes: &[u8]) -> Result<Processed, MediaError> {
    Ok(encode_versions(&decode_checked(bytes)?))
}

/// The longest side of a union's logo as served.
pub const LOGO_SIDE: u32 = 256;

/// Decodes a logo within the same limits as photos and re-encodes it as a PNG
/// (transparency kept) of at most [`LOGO_SIDE`] pixels a side.
pub fn process_logo(bytes: &[u8]) -> Result<Vec<u8>, MediaError> {
    let image = fit(&decode_checked(bytes)?, LOGO_SIDE);
    let mut out = Vec::new();
    image
        .to_rgba8()
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .map_err(|e| MediaError::Undecodable(e.to_string()))?;
    Ok(out)
}

/// Decodes an image of an accepted format within byte and pixel limits.
fn decode_checked(bytes: &[u8]) -> Result<DynamicImage, MediaError> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(MediaError::TooLarge);
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| MediaError::Undecodable(e.to_string()))?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif) => {}
        _ => return Err(MediaError::UnknownFormat),
    }
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| MediaError::Undecodable(e.to_string()))?;
    if w > MAX_PIXELS_SIDE || h > MAX_PIXELS_SIDE {
        return Err(MediaError::TooManyPixels);
    }
    reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| MediaError::Undecodable(e.to_string()))?;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_PIXELS_SIDE);
    limits.max_image_height = Some(MAX_PIXELS_SIDE);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    reader
        .decode()
        .map_err(|e| MediaError::Undecodable(e.to_string()))
}

/// Encodes the display and thumbnail versions of an image already in memory.
pub fn encode_versions(image: &DynamicImage) -> Processed {
    let display = fit(image, DISPLAY_SIDE);
    let thumbnail = fit(image, THUMB_SIDE);
    Processed {
        width: display.width(),
        height: display.height(),
        display: jpeg(&display, 82),
        thumbnail: jpeg(&thumbnail, 75),
    }
}

fn fit(image: &DynamicImage, side: u32) -> DynamicImage {
    if image.width() <= side && image.height() <= side {
        image.clone()
    } else {
        image.resize(side, side, image::imageops::FilterType::Triangle)
    }
}

fn jpeg(image: &DynamicImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    let rgb = image.to_rgb8();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&rgb)
        .expect("JPEG encoding into memory");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let image = DynamicImage::new_rgb8(w, h);
        let mut out = Vec::new();
        image
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn photos_are_reencoded_and_resized() {
        let processed = process_photo(&png(2000, 1000)).unwrap();
        assert_eq!((processed.width, processed.height), (1280, 640));
        assert!(processed.display.starts_with(&[0xFF, 0xD8]), "a JPEG");
        assert!(processed.thumbnail.len() < processed.display.len());
    }

    #[test]
    fn logos_become_small_pngs() {
        let logo = process_logo(&png(1000, 500)).unwrap();
        assert!(logo.starts_with(b"\x89PNG"));
        let decoded = image::load_from_memory(&logo).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (256, 128));
        assert_eq!(
            process_logo(b"<svg/>").unwrap_err(),
            MediaError::UnknownFormat
        );
    }

    #[test]
    fn hostile_images_are_refused() {
        assert_eq!(
            process_photo(b"<svg onload=alert(1)>").unwrap_err(),
            MediaError::UnknownFormat
        );
        assert_eq!(
            process_photo(&png(8001, 10)).unwrap_err(),
            MediaError::TooManyPixels
        );
        let truncated = &png(64, 64)[..60];
        assert!(matches!(
            process_photo(truncated),
            Err(MediaError::Undecodable(_))
        ));
    }
}
