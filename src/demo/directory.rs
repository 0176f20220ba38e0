//! The demo directory: the role accounts of DESIGN §4 and ~800 agents
//! generated per service from `assets/demo/annuaire.toml`, the same at every start.

use serde::Deserialize;

use crate::domain::text::login_word as fold;
use crate::domain::{Login, Role, UnionSlug, User};
use crate::store::{Result, StoreError};

/// The demo accounts: login, given name, surname, service, direction, function, roles.
const ACCOUNTS: [(&str, &str, &str, &str, &str, &str); 7] = [
    (
        "agent",
        "Camille",
        "Lefèvre",
        "Espaces verts",
        "Pôle Technique",
        "Jardinière",
    ),
    (
        "referent",
        "Marc",
        "Dupont",
        "Centre technique municipal",
        "Pôle Technique",
        "Référent communication du pôle Technique",
    ),
    (
        "codir",
        "Hélène",
        "Marchand",
        "Direction générale",
        "Direction générale",
        "Directrice générale adjointe",
    ),
    (
        "rh",
        "Nadia",
        "Benali",
        "Ressources humaines",
        "Pôle Ressources",
        "Chargée de gestion RH",
    ),
    (
        "webmestre",
        "Julien",
        "Roussel",
        "Communication",
        "Direction générale",
        "Webmestre",
    ),
    (
        "dsi",
        "Thomas",
        "Garnier",
        "Informatique",
        "Pôle Ressources",
        "Administrateur systèmes",
    ),
    (
        "syndicat",
        "Anne-Marie",
        "N'Diaye",
        "Restauration scolaire",
        "Pôle Éducation et Enfance",
        "Cuisinière, secrétaire de la section CGT",
    ),
];

fn account_roles(login: &str) -> Vec<Role> {
    let cgt = || UnionSlug::parse("cgt").expect("valid slug");
    match login {
        "referent" | "codir" => vec![Role::Publisher],
        "rh" => vec![Role::Manager],
        "webmestre" => vec![Role::Manager, Role::Webmaster],
        "dsi" => vec![Role::Manager, Role::Admin],
        "syndicat" => vec![Role::UnionEditor(cgt())],
        _ => vec![],
    }
}

#[derive(Deserialize)]
struct Annuaire {
    first_names: Vec<String>,
    last_names: Vec<String>,
    services: Vec<Service>,
}

#[derive(Deserialize)]
struct Service {
    name: String,
    direction: String,
    functions: Vec<String>,
    headcount: usize,
}

/// The demo directory: the role accounts, then generated agents per service.
pub fn directory() -> Result<Vec<User>> {
    let annuaire: Annuaire = toml::from_str(include_str!("../../assets/demo/annuaire.toml"))
        .map_err(|e| StoreError::Invalid(format!("demo file annuaire.toml: {e}")))?;
    let mut users: Vec<User> = ACCOUNTS
        .iter()
        .map(
            |(login, given, surname, service, direction, function)| User {
                login: Login::new(login),
                given_name: (*given).into(),
                surname: (*surname).into(),
                mail: format!("{}.{}@val-de-lys.fr", fold(given), fold(surname)),
                service: (*service).into(),
                direction: (*direction).into(),
                function: (*function).into(),
                phone: "02 99 00 10 00".into(),
                roles: account_roles(login),
                disabled: false,
                photo: None,
                manager: None,
            },
        )
        .collect();
    let mut taken: std::collections::HashSet<String> =
        users.iter().map(|u| u.login.as_str().to_owned()).collect();
    // A small deterministic generator: the same directory at every start.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % n.max(1)
    };
    for service in &annuaire.services {
        let mut head: Option<Login> = None;
        for _ in 0..service.headcount {
            let given = &annuaire.first_names[next(annuaire.first_names.len())];
            let surname = &annuaire.last_names[next(annuaire.last_names.len())];
            let function = &service.functions[next(service.functions.len())];
            let stem = format!(
                "{}{}",
                fold(given).chars().next().unwrap_or('x'),
                fold(surname)
            );
            let mut login = stem.clone();
            let mut n = 2;
            while !taken.insert(login.clone()) {
                login = format!("{stem}{n}");
                n += 1;
            }
            // The first agent of each service heads it and reports to the DGA.
            let (function, manager) = match &head {
                None => {
                    head = Some(Login::new(&login));
                    (
                        format!("Responsable du service {}", service.name),
                        Some(Login::new("codir")),
                    )
                }
                Some(head) => (function.clone(), Some(head.clone())),
            };
            users.push(User {
                login: Login::new(&login),
                given_name: given.clone(),
                surname: surname.clone(),
                mail: format!("{}.{}@val-de-lys.fr", fold(given), fold(surname)),
                service: service.name.clone(),
                direction: service.direction.clone(),
                function,
                phone: format!("02 99 00 {:02} {:02}", 10 + next(80), next(100)),
                roles: Vec::new(),
                disabled: false,
                photo: None,
                manager,
            });
        }
    }
    Ok(users)
}
