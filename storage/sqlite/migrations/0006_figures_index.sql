-- The figures ask, per product, whether its history holds a move into a
-- stage (rated, upgraded): an index on (product, target stage) answers it
-- without reading the product's whole history.
CREATE INDEX stage_changes_to ON stage_changes (product_id, to_stage);
