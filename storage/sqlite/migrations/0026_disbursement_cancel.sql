-- A disbursement recorded by mistake is cancelled, not erased (/ngansach
-- huy): who cancelled it, when and why stay beside it, and the budget's
-- sums leave it out (domain.Budget.Use).
ALTER TABLE disbursements ADD COLUMN cancelled_by INTEGER NOT NULL DEFAULT 0;
ALTER TABLE disbursements ADD COLUMN cancelled_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE disbursements ADD COLUMN cancel_note TEXT NOT NULL DEFAULT '';
