import OutcomesLab
OutcomesBenchMain.run()
