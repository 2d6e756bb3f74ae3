//! The VM a `/v1/vms/{id}...` route names: the caller's key, the `{id}`
//! segment, and that VM in the key's tenant, as it is now. Every VM handler
//! finds its VM here, and refuses one in the wrong state with the same 409.

use crate::state::{Shared, Tenant, Vm};
use crate::wire::{api_key, ApiError, Request};

/// A VM by key and id, not yet looked up.
pub(crate) struct VmRef {
    pub key: String,
    pub id: String,
}

impl VmRef {
    /// The caller's key (401 without one) and the route's first segment.
    /// Handlers take this first and look the VM up only once the body has
    /// been checked: an invalid body to an unknown VM is a 422, not a 404.
    pub fn of(request: &Request, params: &[String]) -> Result<VmRef, ApiError> {
        let key = api_key(request)?;
        Ok(VmRef { key, id: params.first().cloned().unwrap_or_default() })
    }

    /// Runs `f` on the VM, settled to now, with the tenants locked: 404 when
    /// the key has no VM by that id.
    pub fn with<T>(&self, shared: &Shared, f: impl FnOnce(&mut Vm) -> Result<T, ApiError>) -> Result<T, ApiError> {
        self.with_tenant(shared, |tenant| f(vm_in(tenant, &self.id, shared.now_ms())?))
    }

    /// Runs `f` on the key's tenant with the tenants locked, for changes that
    /// add records beside the VM (snapshots, successors); `f` finds the VM
    /// with [`vm_in`]. 404 when the key has nothing yet.
    pub fn with_tenant<T>(&self, shared: &Shared, f: impl FnOnce(&mut Tenant) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let mut tenants = shared.tenants();
        let tenant = tenants.get_mut(&self.key).ok_or_else(|| not_found(&self.id))?;
        f(tenant)
    }
}

/// VM `id` of a tenant with the changes due by `now_ms` applied.
pub(crate) fn vm_in<'a>(tenant: &'a mut Tenant, id: &str, now_ms: f64) -> Result<&'a mut Vm, ApiError> {
    let vm = tenant.vms.get_mut(id).ok_or_else(|| not_found(id))?;
    vm.settle(now_ms);
    Ok(vm)
}

/// 409 unless VM `id` is `wanted` (`active`, `suspended`).
pub(crate) fn require(vm: &Vm, id: &str, wanted: &str) -> Result<(), ApiError> {
    let status = vm.status();
    if status != wanted {
        return Err(conflict(id, &status, wanted));
    }
    Ok(())
}

/// 409 when VM `id` is terminated: nothing changes it any more.
pub(crate) fn not_terminated(vm: &Vm, id: &str) -> Result<(), ApiError> {
    let status = vm.status();
    if status == "terminated" {
        return Err(conflict(id, &status, "not terminated"));
    }
    Ok(())
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(404, format!("VM '{id}' not found"))
}

fn conflict(id: &str, status: &str, wanted: &str) -> ApiError {
    ApiError::new(409, format!("VM '{id}' is {status}; this needs it {wanted}"))
}
