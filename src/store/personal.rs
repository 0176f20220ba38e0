//! An agent's own state, carried from the hub to an edge when they sign in
//! there: their read acknowledgements, answered questionnaires, starred
//! items, followed spaces and job profile. Without it, a borne would ask
//! again for a note the agent confirmed at their desk.
//!
//! Invariants: acknowledgements and "has answered" flags only grow (the first
//! one counts, on either side); stars, follows and the profile are the
//! hub's, replaced as a whole (the edge re-applies what it still has queued).

use jiff::Timestamp;
use redb::{ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};

use super::tables::*;
use super::{Result, Store, codec};
use crate::domain::Login;
use crate::domain::participation::JobProfile;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Personal {
    /// (item id, when) of every "J'ai lu".
    #[serde(default)]
    pub acknowledged: Vec<(u128, Timestamp)>,
    /// The questionnaires answered (ids only: never an answer).
    #[serde(default)]
    pub answered: Vec<u128>,
    #[serde(default)]
    pub favourites: Vec<u128>,
    #[serde(default)]
    pub following: Vec<u128>,
    #[serde(default)]
    pub job_profile: Option<JobProfile>,
}

impl Store {
    /// `login`'s own state (on the hub).
    pub fn personal(&self, login: &Login) -> Result<Personal> {
        let tx = self.db.begin_read()?;
        let mut personal = Personal::default();
        let acks = tx.open_table(ACKNOWLEDGEMENTS)?;
        for entry in tx.open_table(ITEMS_TO_ACKNOWLEDGE)?.iter()? {
            let id = entry?.0.value();
            if let Some(at) = acks.get((id, login.as_str()))?
                && let Ok(at) = Timestamp::from_millisecond(at.value())
            {
                personal.acknowledged.push((id, at));
            }
        }
        for entry in tx.open_table(SURVEY_RESPONDENTS)?.iter()? {
            let (key, _) = entry?;
            let (survey, who) = key.value();
            if who == login.as_str() {
                personal.answered.push(survey);
            }
        }
        let name = login.as_str();
        for entry in tx
            .open_table(FAVOURITES)?
            .range((name, 0)..=(name, u128::MAX))?
        {
            personal.favourites.push(entry?.0.value().1);
        }
        for entry in tx
            .open_table(DISCUSSION_FOLLOWERS)?
            .range((name, 0)..=(name, u128::MAX))?
        {
            personal.following.push(entry?.0.value().1);
        }
        personal.job_profile = tx
            .open_table(JOB_PROFILES)?
            .get(name)?
            .map(|v| codec::decode(v.value()))
            .transpose()?;
        Ok(personal)
    }

    /// Takes in `login`'s state from the hub (on an edge), in one transaction.
    pub fn take_personal(&self, login: &Login, personal: &Personal) -> Result<()> {
        let name = login.as_str();
        let tx = self.db.begin_write()?;
        {
            let mut acks = tx.open_table(ACKNOWLEDGEMENTS)?;
            for (id, at) in &personal.acknowledged {
                if acks.get((*id, name))?.is_none() {
                    acks.insert((*id, name), at.as_millisecond())?;
                }
            }
            let mut respondents = tx.open_table(SURVEY_RESPONDENTS)?;
            for survey in &personal.answered {
                respondents.insert((*survey, name), ())?;
            }
            let mut favourites = tx.open_table(FAVOURITES)?;
            favourites.retain_in((name, 0)..=(name, u128::MAX), |_, _| false)?;
            for id in &personal.favourites {
                favourites.insert((name, *id), ())?;
            }
            let mut following = tx.open_table(DISCUSSION_FOLLOWERS)?;
            following.retain_in((name, 0)..=(name, u128::MAX), |_, _| false)?;
            for id in &personal.following {
                following.insert((name, *id), ())?;
            }
            let mut profiles = tx.open_table(JOB_PROFILES)?;
            match &personal.job_profile {
                Some(profile) => {
                    profiles.insert(name, codec::encode(profile).as_slice())?;
                }
                None => {
                    profiles.remove(name)?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ItemId;

    use crate::store::test_store as store;

    #[test]
    fn an_agents_state_goes_from_hub_to_edge_and_replaces_stars_but_keeps_acknowledgements() {
        let (_h, hub) = store();
        let (_e, edge) = store();
        let agent = Login::new("agent");
        hub.set_favourite(&agent, ItemId::from_u128(5), true)
            .unwrap();
        hub.set_following(&agent, 9, true).unwrap();
        hub.put_job_profile(
            &agent,
            &JobProfile {
                categories: vec!['B'],
                ..JobProfile::default()
            },
        )
        .unwrap();
        // The edge had an older star and an acknowledgement of its own.
        edge.set_favourite(&agent, ItemId::from_u128(4), true)
            .unwrap();
        edge.acknowledge(ItemId::from_u128(8), &agent, Timestamp::UNIX_EPOCH)
            .unwrap();
        let personal = hub.personal(&agent).unwrap();
        edge.take_personal(&agent, &personal).unwrap();
        let stars: Vec<u128> = edge.personal(&agent).unwrap().favourites;
        assert_eq!(stars, vec![5]);
        assert_eq!(edge.followed_by(&agent).unwrap(), vec![9]);
        assert_eq!(
            edge.job_profile(&agent).unwrap().unwrap().categories,
            vec!['B']
        );
        assert!(
            edge.acknowledged_at(ItemId::from_u128(8), &agent)
                .unwrap()
                .is_some()
        );
        // Another agent's state is untouched.
        assert!(
            hub.personal(&Login::new("autre"))
                .unwrap()
                .favourites
                .is_empty()
        );
    }
}
