-- The mobile number a user gives for SMS alerts (digits, with the country's + prefix).
ALTER TABLE users ADD COLUMN mobile TEXT;
