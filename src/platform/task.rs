//! Runs a call's future and hands JS a Promise of its result.
//!
//! In place of wasm-bindgen-futures' `future_to_promise`, which polls for the
//! first time in a queued microtask. That put every microtask already queued
//! (the runtime's clean-up of the previous response, say) between the call
//! and its request, so that work delayed the request instead of overlapping
//! the wait for the network. Here the first poll runs at once, even before
//! the Promise is made: by the time a method returns its Promise, the request
//! has been handed to `fetch` (or the call has failed its checks). Later
//! polls run when a JS promise the future awaits settles, inside that
//! promise's own callback.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

use alloc::boxed::Box;
use alloc::rc::Rc;
use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;

type Job = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

struct Task {
    job: RefCell<Option<Job>>,
    /// The promise's resolve and reject, until it is settled.
    settle: RefCell<Option<(Function, Function)>>,
    /// A result that came before the promise was made.
    early: RefCell<Option<Result<JsValue, JsValue>>>,
    /// True while the job is being polled; a wake then only asks for one more poll.
    polling: Cell<bool>,
    again: Cell<bool>,
}

/// A Promise that settles with the future's result. The future starts now,
/// before the Promise is made, so that nothing stands between the call and
/// its request.
pub fn spawn(job: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    let task = Rc::new(Task {
        job: RefCell::new(Some(Box::pin(job))),
        settle: RefCell::new(None),
        early: RefCell::new(None),
        polling: Cell::new(false),
        again: Cell::new(false),
    });
    run(&task);
    Promise::new(&mut |resolve, reject| match task.early.borrow_mut().take() {
        Some(result) => settle(&resolve, &reject, result),
        None => *task.settle.borrow_mut() = Some((resolve, reject)),
    })
}

fn settle(resolve: &Function, reject: &Function, result: Result<JsValue, JsValue>) {
    let _ = match result {
        Ok(value) => resolve.call1(&JsValue::UNDEFINED, &value),
        Err(error) => reject.call1(&JsValue::UNDEFINED, &error),
    };
}

fn run(task: &Rc<Task>) {
    if task.polling.replace(true) {
        task.again.set(true);
        return;
    }
    loop {
        let waker = waker(task.clone());
        let mut cx = Context::from_waker(&waker);
        let done = {
            let mut slot = task.job.borrow_mut();
            match slot.as_mut().map(|job| job.as_mut().poll(&mut cx)) {
                Some(Poll::Ready(result)) => {
                    *slot = None;
                    Some(result)
                }
                _ => None,
            }
        };
        if let Some(result) = done {
            match task.settle.borrow_mut().take() {
                Some((resolve, reject)) => settle(&resolve, &reject, result),
                // Finished in the first poll (bad input): `spawn` settles it.
                None => *task.early.borrow_mut() = Some(result),
            }
        }
        if !task.again.replace(false) {
            break;
        }
    }
    task.polling.set(false);
}

// The waker is an `Rc<Task>` behind a raw pointer. `Waker` is meant to be
// sendable across threads, which an `Rc` is not; it is sound here because a
// wasm32-unknown-unknown instance built without atomics has exactly one
// thread, so no waker can ever be touched from another.

fn waker(task: Rc<Task>) -> Waker {
    unsafe { Waker::from_raw(raw(task)) }
}

fn raw(task: Rc<Task>) -> RawWaker {
    RawWaker::new(Rc::into_raw(task).cast(), &VTABLE)
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_waker, wake, wake_by_ref, drop_waker);

unsafe fn clone_waker(ptr: *const ()) -> RawWaker {
    let task = Rc::from_raw(ptr.cast::<Task>());
    let copy = task.clone();
    core::mem::forget(task);
    raw(copy)
}

unsafe fn wake(ptr: *const ()) {
    let task = Rc::from_raw(ptr.cast::<Task>());
    run(&task);
}

unsafe fn wake_by_ref(ptr: *const ()) {
    let task = Rc::from_raw(ptr.cast::<Task>());
    run(&task);
    core::mem::forget(task);
}

unsafe fn drop_waker(ptr: *const ()) {
    drop(Rc::from_raw(ptr.cast::<Task>()));
}
