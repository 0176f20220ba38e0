//! Uploads of the publishing forms: photos are decoded, checked, re-encoded and
//! stored before the rest of the form is judged; documents (PDF) are checked by
//! signature. Uploads kept across a refused submission travel as tokens signed
//! for their uploader, and consent is asked again for every new photo.

use super::forms::{FieldErrors, FormInput};
use crate::domain::{BlobHash, Media};
use crate::media;
use crate::store::Store;

/// Who may bring a kept upload back: the server's key and the agent's login
/// sign each token, so a form cannot attach a file it did not upload.
#[derive(Clone, Copy)]
pub struct UploadSigner<'a> {
    pub key: &'a [u8; 32],
    pub login: &'a str,
}

impl UploadSigner<'_> {
    fn mac(&self, payload: &str) -> String {
        let mut data = self.login.as_bytes().to_vec();
        data.push(0);
        data.extend(payload.as_bytes());
        blake3::keyed_hash(self.key, &data).to_hex()[..32].to_owned()
    }
}

/// Re-reads a kept upload from its hidden field, if its signature holds.
fn kept_media(raw: &str, alt: &str, signer: UploadSigner) -> Option<Media> {
    let (payload, mac) = raw.rsplit_once('~')?;
    let expected = signer.mac(payload);
    // Constant-time comparison.
    let same = expected.len() == mac.len()
        && expected
            .bytes()
            .zip(mac.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if !same {
        return None;
    }
    let mut parts = payload.splitn(5, ':');
    let hash = BlobHash::from_hex(parts.next()?)?;
    let thumbnail = parts.next().and_then(BlobHash::from_hex);
    let width = parts.next()?.parse().ok()?;
    let height = parts.next()?.parse().ok()?;
    let name = parts.next().unwrap_or_default().to_owned();
    Some(Media {
        hash,
        thumbnail,
        // Consent is asked again on every submission (see `collect_media`).
        consent: true,
        hidden: false,
        alt: alt.to_owned(),
        width,
        height,
        name,
    })
}

/// The signed hidden-field form of an upload (see [`kept_media`]).
pub fn media_token(media: &Media, signer: UploadSigner) -> String {
    let payload = format!(
        "{}:{}:{}:{}:{}",
        media.hash.to_hex(),
        media.thumbnail.map(|t| t.to_hex()).unwrap_or_default(),
        media.width,
        media.height,
        media.name.replace([':', '~'], "_")
    );
    format!("{payload}~{}", signer.mac(&payload))
}

/// Stores the uploaded photo and document, if any, and returns the media of the
/// form: kept ones, new ones, minus those the author removed. Errors go to `errors`.
pub fn collect_media(
    input: &mut FormInput,
    store: &Store,
    existing: &[Media],
    signer: UploadSigner,
    errors: &mut FieldErrors,
) -> Vec<Media> {
    let mut out: Vec<Media> = Vec::new();
    // Media already on the item stay unless removed; hidden ones (removal
    // requested) stay hidden: only a webmaster puts them back.
    for media in existing {
        if !input.checked(&format!("retirer_{}", media.hash.to_hex())) {
            out.push(media.clone());
        }
    }
    // Media uploaded with a previous, refused submission of this form.
    let mut new_photo = false;
    for key in ["photo_gardee", "document_garde"] {
        let raw = input.get(key).to_owned();
        match kept_media(&raw, input.get("photo_alt"), signer) {
            Some(media) if input.checked(&format!("retirer_{}", media.hash.to_hex())) => {
                input.fields.remove(key);
            }
            Some(media) if !out.iter().any(|m| m.hash == media.hash) => {
                new_photo |= media.is_photo();
                out.push(media);
            }
            _ => {}
        }
    }
    let uploaded = input.files.remove("photo");
    // Consent is ticked for every new photo, kept from a refused form or not.
    if (new_photo || uploaded.is_some()) && !input.checked("consentement") {
        errors.push((
            "consentement",
            "Cochez la case : les personnes reconnaissables sur la photo doivent avoir donné leur accord.".into(),
        ));
    }
    if let Some((_, bytes)) = uploaded {
        match media::process_photo(&bytes) {
            Ok(processed) => {
                let stored = store
                    .put_blob(&processed.display, "image/jpeg")
                    .and_then(|hash| {
                        Ok((hash, store.put_blob(&processed.thumbnail, "image/jpeg")?))
                    });
                match stored {
                    Ok((hash, thumbnail)) => {
                        let media = Media {
                            hash,
                            thumbnail: Some(thumbnail),
                            consent: true,
                            hidden: false,
                            alt: input.get("photo_alt").trim().to_owned(),
                            width: processed.width,
                            height: processed.height,
                            name: String::new(),
                        };
                        input
                            .fields
                            .insert("photo_gardee".into(), media_token(&media, signer));
                        out.push(media);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "storing an upload failed");
                        errors.push((
                            "photo",
                            "La photo n'a pas pu être enregistrée. Réessayez.".into(),
                        ));
                    }
                }
            }
            Err(media::MediaError::TooLarge) => errors.push((
                "photo",
                "La photo est trop volumineuse (15 Mo au plus).".into(),
            )),
            Err(media::MediaError::TooManyPixels) => errors.push((
                "photo",
                "La photo est trop grande (8 000 pixels de côté au plus).".into(),
            )),
            Err(_) => errors.push((
                "photo",
                "Ce fichier n'est pas une photo lisible (JPEG, PNG, WebP ou GIF).".into(),
            )),
        }
    }
    if let Some((name, bytes)) = input.files.remove("document") {
        match media::check_document(&bytes) {
            Ok(()) => match store.put_blob(&bytes, "application/pdf") {
                Ok(hash) => {
                    let clean: String = name
                        .chars()
                        .filter(|c| !c.is_control() && !matches!(c, '/' | '\\' | ':' | '"'))
                        .take(120)
                        .collect();
                    let media = Media {
                        hash,
                        thumbnail: None,
                        consent: true,
                        hidden: false,
                        alt: String::new(),
                        width: 0,
                        height: 0,
                        name: if clean.is_empty() {
                            "document.pdf".into()
                        } else {
                            clean
                        },
                    };
                    input
                        .fields
                        .insert("document_garde".into(), media_token(&media, signer));
                    out.push(media);
                }
                Err(e) => {
                    tracing::error!(error = %e, "storing a document failed");
                    errors.push((
                        "document",
                        "Le document n'a pas pu être enregistré. Réessayez.".into(),
                    ));
                }
            },
            Err(media::MediaError::TooLarge) => errors.push((
                "document",
                "Le document est trop volumineux (10 Mo au plus).".into(),
            )),
            Err(_) => errors.push(("document", "Seuls les documents PDF sont acceptés.".into())),
        }
    }
    // The description field describes the item's photo: an edit applies to it.
    let alt = input.get("photo_alt").trim().to_owned();
    if !alt.is_empty() {
        for media in out.iter_mut().filter(|m| m.is_photo()) {
            media.alt = alt.clone();
        }
    }
    out
}
