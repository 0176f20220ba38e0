//! The sign-in relay: an edge's directory backend. Only the hub talks to the
//! directory; the edge forwards the login and keeps the hub's grant for the
//! agent, which every write queued for them carries.

use std::sync::Arc;

use super::EdgeLink;
use crate::directory::{AuthError, Backend, BoxFuture, Profile};
use crate::domain::Login;
use crate::federation::wire::{self, *};

/// The sign-in relay: the edge's directory backend.
#[derive(Debug)]
pub struct Relay {
    pub link: Arc<EdgeLink>,
}

impl Backend for Relay {
    fn authenticate<'a>(
        &'a self,
        login: &'a str,
        password: &'a str,
    ) -> BoxFuture<'a, Result<Profile, AuthError>> {
        Box::pin(async move {
            let link = &self.link;
            let request = SignInRequest {
                login: login.to_owned(),
                password: password.to_owned(),
            };
            let answer: SignInResponse = link
                .call(
                    link.client
                        .post(link.url("sign-in"))
                        .header(reqwest::header::CONTENT_TYPE, CBOR)
                        .body(wire::encode(&request)),
                )
                .await
                .map_err(|e| AuthError::Unavailable(format!("hub: {e}")))?;
            match answer {
                SignInResponse::Ok {
                    user,
                    grant,
                    personal,
                } => {
                    let (store, login, bytes) =
                        (link.store.clone(), user.login.clone(), wire::encode(&grant));
                    let edge = link.clone();
                    store
                        .run(move |s| {
                            s.put_grant(&login, &bytes)?;
                            let Some(personal) = personal else {
                                return Ok(());
                            };
                            s.take_personal(&login, &personal)?;
                            // What this agent changed here and the hub has not
                            // had yet still counts.
                            for queued in edge.queued_by(&login)? {
                                match queued {
                                    Submission::Favourite { item, on } => {
                                        s.set_favourite(&login, item, on)?
                                    }
                                    Submission::Follow { discussion, on } => {
                                        s.set_following(&login, discussion, on)?
                                    }
                                    Submission::JobProfile { profile } => {
                                        s.put_job_profile(&login, &profile)?
                                    }
                                    _ => {}
                                }
                            }
                            Ok(())
                        })
                        .await?;
                    Ok(Profile {
                        user: *user,
                        groups: Vec::new(),
                        photo: None,
                        dn: String::new(),
                        manager_dn: None,
                    })
                }
                SignInResponse::Invalid => Err(AuthError::InvalidCredentials),
                SignInResponse::Refused { problem } => Err(AuthError::Account(problem)),
                SignInResponse::Unavailable => {
                    Err(AuthError::Unavailable("the hub's directory".into()))
                }
            }
        })
    }

    fn all_people(&self) -> BoxFuture<'_, Result<Vec<Profile>, AuthError>> {
        // The annuaire is the hub's; an edge knows the agents who signed in here.
        Box::pin(async { Ok(Vec::new()) })
    }

    fn is_active<'a>(&'a self, login: &'a Login) -> BoxFuture<'a, Result<bool, AuthError>> {
        Box::pin(async move {
            let link = &self.link;
            link.call(
                link.client
                    .get(link.url(&format!("accounts/{}", login.as_str()))),
            )
            .await
            .map_err(|e| AuthError::Unavailable(format!("hub: {e}")))
        })
    }
}
