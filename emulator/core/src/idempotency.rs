//! `Idempotency-Key` on POST, for every route, when `Settings::idempotency`
//! is on (InstaVM documents no such header: by default the emulator ignores
//! it, as the documented API does). The same key with the same
//! body gets the first answer again (whatever happened to it on the way
//! back); the same key with another body is a 409. Keys are per API key and
//! per path. A repeat that arrives while the first is still being handled
//! (its client gave up waiting) waits for it and replays its answer rather
//! than acting a second time.

use crate::reply::{Claim, Reply, Step};
use crate::routes::route;
use crate::state::{KeyUse, Shared};
use crate::wire::{api_key, ApiError, Request, Response};

/// How often a waiting repeat looks again.
const RETRY_MS: u64 = 5;

pub(crate) fn check(shared: &Shared, request: Request, claim: &mut Option<Claim>) -> Reply {
    let idem = request.header("idempotency-key").map(str::to_string);
    let (Some(idem), "POST", Ok(key)) = (idem, request.method.as_str(), api_key(&request)) else {
        return route(shared, &request);
    };
    let scope = format!("{} {}", request.path, idem);
    {
        let mut tenants = shared.tenants();
        let tenant = tenants.entry(key.clone()).or_default();
        match tenant.idempotency.get(&scope) {
            Some(first) if first.body != request.body => {
                return Reply::Now(ApiError::new(409, "Idempotency-Key was already used with a different request body").into_response());
            }
            Some(KeyUse { answer: Some((status, answer)), .. }) => {
                let mut r = Response::new(*status, Some("application/json"), answer.clone());
                r.set_header("idempotent-replayed", "true");
                return Reply::Now(r);
            }
            Some(KeyUse { answer: None, .. }) => return Reply::Later { ms: RETRY_MS, step: Step::Retry(request) },
            None => {
                tenant.idempotency.insert(scope.clone(), KeyUse { body: request.body.clone(), answer: None });
            }
        }
    }
    *claim = Some(Claim { key, scope });
    route(shared, &request)
}

/// Records the first answer to a claimed key; a refusal releases the key,
/// since it may be retried.
pub(crate) fn settle(shared: &Shared, claim: Claim, response: &Response) {
    let mut tenants = shared.tenants();
    let Some(tenant) = tenants.get_mut(&claim.key) else { return };
    if (200..300).contains(&response.status) {
        if let Some(entry) = tenant.idempotency.get_mut(&claim.scope) {
            entry.answer = Some((response.status, response.body.clone()));
        }
    } else {
        tenant.idempotency.remove(&claim.scope);
    }
}
