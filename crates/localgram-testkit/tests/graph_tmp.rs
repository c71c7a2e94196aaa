#[path = "it/graph_media.rs"]
mod graph_media;
