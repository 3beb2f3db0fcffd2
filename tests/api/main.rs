//! The one integration-test binary: every test runs on SQLite and on PostgreSQL (see `both!`).
mod admin;
mod audit;
mod auth;
mod bad_input;
mod demo;
mod formulary;
mod kernel;
mod migrations;
mod route_walk;
