//! Users: what they remember, which biometrics they can present, and presenting credentials.

use rand::Rng;

use engine::recovery::Biometric;

use crate::user::{Credential, CredentialOutcome, judge_credential};

use super::{UserId, World};

impl World {
    /// User `user` forgets (or remembers) the PIN.
    pub fn set_pin_forgotten(&mut self, user: UserId, forgotten: bool) {
        self.users[user.index()].pin_forgotten = forgotten;
    }

    /// Makes `biometric` available to user `user` again, or unavailable (sensor failed,
    /// disabled by an application or by policy).
    pub fn set_biometric_available(&mut self, user: UserId, biometric: Biometric, available: bool) {
        let unavailable = &mut self.users[user.index()].biometrics_unavailable;
        if available {
            unavailable.remove(&biometric);
        } else {
            unavailable.insert(biometric);
        }
    }

    /// Whether user `user` can present `biometric` (true unless made unavailable).
    pub fn biometric_available(&self, user: UserId, biometric: Biometric) -> bool {
        !self.users[user.index()].biometrics_unavailable.contains(&biometric)
    }

    /// User `user` presents `credential`; one uniform number is drawn from the user's stream
    /// per presentation, whatever the credential.
    pub fn present_credential(
        &mut self,
        user: UserId,
        credential: Credential,
    ) -> CredentialOutcome {
        let state = &mut self.users[user.index()];
        let uniform: f64 = state.rng.random();
        judge_credential(&state.config.credentials, state.pin_forgotten, credential, uniform)
    }
}
