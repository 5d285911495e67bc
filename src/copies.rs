//! The copies of pages this browser keeps ("Keep a copy in this browser",
//! docs/product.md §12): IndexedDB database `ep2p`, object store `pages`,
//! each page's wire text (what hosts hold) under its hash. Nothing here talks to the
//! network; the keeper socket hosts what is kept.

use rexie::{ObjectStore, Rexie, TransactionMode};
use wasm_bindgen::JsValue;

const DATABASE: &str = "ep2p";
const STORE: &str = "pages";

async fn open() -> Result<Rexie, rexie::Error> {
    Rexie::builder(DATABASE).version(1).add_object_store(ObjectStore::new(STORE)).build().await
}

/// Keeps a page's text; an error says why it could not (no IndexedDB, no space).
pub async fn put(hash: &str, text: &str) -> Result<(), String> {
    let write = async {
        let db = open().await?;
        let transaction = db.transaction(&[STORE], TransactionMode::ReadWrite)?;
        let store = transaction.store(STORE)?;
        store.put(&JsValue::from_str(text), Some(&JsValue::from_str(hash))).await?;
        transaction.done().await?;
        Ok::<(), rexie::Error>(())
    };
    write.await.map_err(|e| e.to_string())
}

/// A kept page's text, if this browser has it.
pub async fn get(hash: &str) -> Option<String> {
    let db = open().await.ok()?;
    let transaction = db.transaction(&[STORE], TransactionMode::ReadOnly).ok()?;
    let store = transaction.store(STORE).ok()?;
    store.get(JsValue::from_str(hash)).await.ok().flatten().and_then(|value| value.as_string())
}

/// Deletes a kept page's text (nothing if there was none).
pub async fn delete(hash: &str) {
    let remove = async {
        let db = open().await?;
        let transaction = db.transaction(&[STORE], TransactionMode::ReadWrite)?;
        transaction.store(STORE)?.delete(JsValue::from_str(hash)).await?;
        transaction.done().await?;
        Ok::<(), rexie::Error>(())
    };
    let _ = remove.await;
}
