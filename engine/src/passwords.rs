//! Password hashing on a few threads of its own. Argon2id takes 19 MiB per hash; running
//! every attempt at once on the blocking pool let a burst of sign-ins take a gigabyte, and
//! the allocator kept much of it afterwards. Here each thread hashes into one block of
//! memory it keeps and reuses, so hashing never holds more than threads × 19 MiB.

use crate::crypto::Secret;
use crate::error::{Error, Result};
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::cell::RefCell;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// A handle to the hashing threads; cloning shares them. The threads end when the last
/// handle is dropped.
#[derive(Clone, Debug)]
pub struct Passwords {
    jobs: mpsc::Sender<Job>,
}

impl Passwords {
    /// As many threads as cores, at most four.
    pub fn new() -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for n in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || loop {
                    // The lock is held only to take the next job, not while it runs.
                    let job = match queue.lock() {
                        Ok(queue) => queue.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                })
                .expect("the OS starts a thread");
        }
        Self { jobs }
    }

    /// Argon2id with the crate's defaults (OWASP's minimum), as a PHC string.
    pub async fn hash(&self, password: &Secret) -> Result<String> {
        let password = password.clone();
        self.run(move || {
            let salt = SaltString::generate(&mut rand::rngs::OsRng);
            let argon = Argon2::default();
            let output = output_of(&argon, password.expose().as_bytes(), &salt.as_salt(), None)?;
            let phc = PasswordHash {
                algorithm: Algorithm::default().ident(),
                version: Some(Version::default().into()),
                params: ParamsString::try_from(argon.params()).map_err(hashing_failed)?,
                salt: Some(salt.as_salt()),
                hash: Some(output),
            };
            Ok(phc.to_string())
        })
        .await?
    }

    pub async fn verify(&self, password: Secret, stored_hash: String) -> Result<bool> {
        self.run(move || {
            let stored = PasswordHash::new(&stored_hash).map_err(malformed)?;
            let (Some(salt), Some(expected)) = (stored.salt, stored.hash) else {
                return Err(malformed("no salt or no hash"));
            };
            let argon = Argon2::new(
                Algorithm::try_from(stored.algorithm).map_err(malformed)?,
                stored
                    .version
                    .map(Version::try_from)
                    .transpose()
                    .map_err(malformed)?
                    .unwrap_or_default(),
                Params::try_from(&stored).map_err(malformed)?,
            );
            let computed = output_of(
                &argon,
                password.expose().as_bytes(),
                &salt,
                Some(expected.len()),
            )?;
            // `Output`'s equality is constant-time.
            Ok(computed == expected)
        })
        .await?
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
        let (answer, answered) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        self.jobs
            .send(job)
            .map_err(|_| Error::Internal("the password threads have stopped".into()))?;
        answered
            .await
            .map_err(|_| Error::Internal("a password hash did not finish".into()))
    }
}

impl Default for Passwords {
    fn default() -> Self {
        Self::new()
    }
}

/// The most memory a stored hash may ask for: four times the default, so a hash written
/// with other settings still opens while a tampered one cannot claim the host's memory.
const MOST_BLOCKS: usize = 4 * Params::DEFAULT_M_COST as usize;

thread_local! {
    /// This hashing thread's Argon2 memory, allocated once and reused.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

fn output_of(
    argon: &Argon2,
    password: &[u8],
    salt: &argon2::password_hash::Salt,
    length: Option<usize>,
) -> Result<Output> {
    let blocks = argon.params().block_count();
    if blocks > MOST_BLOCKS {
        return Err(malformed(
            "it asks for more memory than Tether gives a hash",
        ));
    }
    let mut salt_bytes = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_bytes).map_err(hashing_failed)?;
    MEMORY.with_borrow_mut(|memory| {
        if memory.len() < blocks {
            memory.resize(blocks, Block::default());
        }
        Output::init_with(length.unwrap_or(Params::DEFAULT_OUTPUT_LEN), |out| {
            argon
                .hash_password_into_with_memory(password, salt, out, &mut memory[..blocks])
                .map_err(Into::into)
        })
        .map_err(hashing_failed)
    })
}

fn hashing_failed(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("password hashing failed: {e}"))
}

fn malformed(e: impl std::fmt::Display) -> Error {
    Error::Internal(format!("stored password hash is malformed: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, PasswordVerifier};

    /// The hashes read and written here are the ones the argon2 crate's own PHC functions
    /// read and write, so accounts made before (and the dummy hash) still sign in.
    #[tokio::test]
    async fn hashes_agree_with_the_argon2_crate() {
        let passwords = Passwords::new();
        let ours = passwords.hash(&Secret::new("correct horse")).await.unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());

        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let theirs = Argon2::default()
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        let verify = |password: &str| passwords.verify(Secret::new(password), theirs.clone());
        assert!(verify("correct horse").await.unwrap());
        assert!(!verify("wrong horse").await.unwrap());
    }
}
