print("ssm")
