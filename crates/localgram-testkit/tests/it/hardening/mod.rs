//! Hostile and careless clients: input that once panicked, the control plane driven from a web
//! page, world files pointing at the server's files, slow and idle connections, brute force,
//! secrets at rest, and the small ones (`bearer` in lowercase, loopback ports, the network
//! warning, the OpenAPI statuses).

mod brute_force;
mod connections;
mod control_plane;
mod no_panic;
mod secrets;
