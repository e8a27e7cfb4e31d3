import OutcomesCLI
OutcomesMain.run()
