"""Field work: grid workers' and mobile teams' visits, the business and anti-fraud
talks done during them, over the same exactly-once sync as the keeper's register."""
